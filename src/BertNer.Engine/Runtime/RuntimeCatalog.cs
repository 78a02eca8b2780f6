namespace BertNer.Runtime;

/// <summary>
/// Which NuGet packages make which runtime, for each platform and backend. The versions are the ones the engine is
/// built against (Directory.Packages.props); a test checks that they agree.
/// </summary>
public static class RuntimeCatalog
{
    public const string TorchSharpVersion = "0.107.0";
    public const string LibTorchVersion = "2.10.0";
    public const string OnnxRuntimeVersion = "1.31.1";
    /// <summary>The CUDA build TorchSharp 0.107 is paired with.</summary>
    public const string CudaVersion = "12.8";

    // Never loaded by TorchSharp: Python bindings, libtorch's own test and example libraries, Windows import libraries,
    // and the pieces of a fragmented file (stitched into the file itself before this filter runs).
    private static readonly string[] TorchDropped =
    {
        "*torch_python*", "*test*", "*nnapi_backend*", "*aoti_custom_ops*", "*backend_with_compiler*", "libshm*",
        "*.lib", "*.pdb", "*.sha", "*.fragment*",
    };

    /// <summary>The runtime of <paramref name="kind"/> for <paramref name="backend"/> on <paramref name="platform"/>.</summary>
    public static RuntimeSpec For(RuntimeKind kind, RuntimeBackend backend, RuntimePlatform platform) =>
        kind == RuntimeKind.Torch ? Torch(backend, platform) : Onnx(backend, platform);

    public static RuntimeSpec Torch(RuntimeBackend backend, RuntimePlatform platform)
    {
        var p = platform;
        var glue = new RuntimePackage("TorchSharp", TorchSharpVersion) { Sha512 = KnownPackageHashes.Get("TorchSharp", TorchSharpVersion) };
        if (backend == RuntimeBackend.Cuda)
        {
            if (!(p.Rid is "linux-x64" or "win-x64"))
                throw new BertNerException(BertNerErrorKind.InvalidArgument,
                    $"There is no CUDA build of libtorch for {p.Rid} on NuGet (only linux-x64 and win-x64). Use -Backend Cpu.", "Backend");
            var id = $"libtorch-cuda-{CudaVersion}-{p.Rid}";
            return new RuntimeSpec(RuntimeKind.Torch, backend, p, LibTorchVersion,
                new[] { glue, new RuntimePackage(id, LibTorchVersion) { Sha512 = KnownPackageHashes.Get(id, LibTorchVersion) } })
            {
                FollowDependencies = true,
                EntryLibraries = new[] { "LibTorchSharp", "torch_cpu", "torch_cuda" },
                LoadOrder = p.IsWindows
                    ? new[] { "libiomp5md.dll", "c10.dll", "torch_cpu.dll", "c10_cuda.dll", "torch_cuda.dll", "torch.dll", "LibTorchSharp.dll" }
                    : new[] { "libgomp*.so*", "libc10.so", "libtorch_cpu.so", "libc10_cuda.so", "libtorch_cuda.so", "libtorch.so", "libLibTorchSharp.so" },
                Dropped = TorchDropped,
            };
        }
        var cpu = $"libtorch-cpu-{p.Rid}";
        return new RuntimeSpec(RuntimeKind.Torch, backend, p, LibTorchVersion,
            new[] { glue, new RuntimePackage(cpu, LibTorchVersion) { Sha512 = KnownPackageHashes.Get(cpu, LibTorchVersion) } })
        {
            EntryLibraries = new[] { "LibTorchSharp", "torch_cpu" },
            // Each file's dependencies first, so that a runtime spread over several package folders (the global
            // packages folder) loads: the loader then finds every dependency already loaded by its name.
            // macOS: libtorch_cpu names libomp by Homebrew's absolute path; preloading the shipped copy (same install
            // name) satisfies it on machines without Homebrew's libomp.
            LoadOrder = p.IsWindows ? new[] { "libiomp5md.dll", "c10.dll", "torch_cpu.dll", "torch.dll", "LibTorchSharp.dll" }
                : p.IsMacOS ? new[] { "libomp.dylib", "libc10.dylib", "libtorch_cpu.dylib", "libtorch.dylib", "libLibTorchSharp.dylib" }
                : new[] { "libgomp*.so*", "libc10.so", "libtorch_cpu.so", "libtorch.so", "libLibTorchSharp.so" },
            Dropped = TorchDropped,
        };
    }

    public static RuntimeSpec Onnx(RuntimeBackend backend, RuntimePlatform platform)
    {
        if (backend != RuntimeBackend.Cpu)
            throw new BertNerException(BertNerErrorKind.InvalidArgument, "BertNer runs ONNX models on the CPU only. Use -Backend Cpu.", "Backend");
        const string id = "Microsoft.ML.OnnxRuntime";
        return new RuntimeSpec(RuntimeKind.Onnx, backend, platform, OnnxRuntimeVersion,
            new[] { new RuntimePackage(id, OnnxRuntimeVersion) { Sha512 = KnownPackageHashes.Get(id, OnnxRuntimeVersion) } })
        {
            EntryLibraries = new[] { "onnxruntime" },
            LoadOrder = new[] { "*onnxruntime.*" },
            Kept = new[] { "*onnxruntime*" },
            Dropped = new[] { "*.lib", "*.pdb" },
        };
    }
}
