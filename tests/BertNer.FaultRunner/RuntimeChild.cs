using BertNer;
using BertNer.Runtime;
using BertNer.Testing;
using TorchSharp;

/// <summary>
/// The runner's runtime modes, for tests/BertNer.Engine.Tests/Runtime: <c>--runtime-check</c> loads libtorch as the
/// engine finds it and computes a tensor; <c>--install-runtime source root rid pauseAt id:version:sha512...</c>
/// installs a synthetic runtime and stops for good (until killed) once the file named pauseAt is unpacked;
/// <c>--gelu-kernels n</c> runs GELU on n activation shapes and says how much heap memory stays in use afterwards
/// (oneDNN's cached kernels) and which primitive-cache capacity oneDNN was given.
/// </summary>
internal static class RuntimeChild
{
    public static bool Handles(string[] args) => args.Length > 0 && args[0] is "--runtime-check" or "--install-runtime" or "--gelu-kernels";

    public static int Run(string[] args)
    {
        try
        {
            if (args[0] == "--runtime-check")
            {
                TorchRuntime.EnsureLoaded();
                using var sum = torch.ones(3).sum();
                Say($"TENSOR {sum.item<float>()}");
                var rt = NativeRuntime.InUse(RuntimeKind.Torch)!;
                Say($"RUNTIME {rt.Location} {rt.Path}");
                foreach (var line in File.ReadLines("/proc/self/maps").Where(l => l.Contains("libtorch_cpu", StringComparison.Ordinal)).Take(1))
                    Say($"MAPPED {line[line.IndexOf('/')..]}");
                return 0;
            }
            if (args[0] == "--gelu-kernels")
            {
                TorchRuntime.EnsureLoaded();
                Say($"CACHE {OneDnnPrimitiveCache.NativeValue() ?? "unset"}");
                // Twenty shapes first: first-use allocations (oneDNN's own state, thread buffers) and the first cached
                // kernels are not what is measured; the shapes after them are, each new to oneDNN.
                for (int rows = 8; rows < 28; rows++) GeluOn(rows);
                long before = GlibcAllocator.Read().InUse;
                for (int rows = 28; rows < 28 + int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture); rows++) GeluOn(rows);
                GC.Collect();
                GC.WaitForPendingFinalizers();
                Say($"KEPT {GlibcAllocator.Read().InUse - before}");
                return 0;
            }
            var (source, root, rid, pauseAt) = (args[1], args[2], args[3], args[4]);
            var packages = args[5..].Select(a => a.Split(':')).Select(p => new RuntimePackage(p[0], p[1]) { Sha512 = p[2] }).ToList();
            var spec = new RuntimeSpec(RuntimeKind.Torch, RuntimeBackend.Cpu, RuntimePlatform.Parse(rid), "9.9.9", packages)
            {
                EntryLibraries = new[] { "LibTorchSharp", "torch_cpu" },
            };
            FaultHooks.CheckpointWrite = (point, path) =>
            {
                if (point != "runtime-file-unpacked" || Path.GetFileName(path) != pauseAt) return;
                Say($"PAUSED {path}");
                Thread.Sleep(Timeout.Infinite);
            };
            var installed = RuntimeInstaller.InstallAsync(spec, root, source, force: false, null, CancellationToken.None, patchForThisSystem: false).GetAwaiter().GetResult();
            Say($"DONE {installed.Path}");
            return 0;
        }
        catch (BertNerException e)
        {
            Say($"ERROR {e.Kind} {e.Target}: {e.Message}");
            return 2;
        }
    }

    private static void GeluOn(int rows)
    {
        using var x = torch.ones(rows, 1536);
        using var y = torch.nn.functional.gelu(x);
    }

    private static void Say(string line)
    {
        Console.Out.WriteLine(line);
        Console.Out.Flush();
    }
}
