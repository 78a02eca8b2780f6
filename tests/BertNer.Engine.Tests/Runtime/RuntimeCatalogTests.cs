using System.IO.Compression;
using System.Xml.Linq;
using BertNer.Runtime;

namespace BertNer.Tests.Runtime;

/// <summary>Platform and backend → NuGet packages and kept files, for every platform the one module package serves.</summary>
public class RuntimeCatalogTests
{
    [Theory]
    [InlineData("linux-x64", "libtorch-cpu-linux-x64")]
    [InlineData("win-x64", "libtorch-cpu-win-x64")]
    [InlineData("osx-arm64", "libtorch-cpu-osx-arm64")]
    public void Cpu_libtorch_comes_from_TorchSharp_and_the_platforms_libtorch_package(string rid, string libtorch)
    {
        var spec = RuntimeCatalog.Torch(RuntimeBackend.Cpu, RuntimePlatform.Parse(rid));
        Assert.Equal(new[] { "TorchSharp 0.107.0", $"{libtorch} 2.10.0" }, spec.Packages.Select(p => p.ToString()));
        Assert.False(spec.FollowDependencies);
        Assert.Equal($"libtorch-2.10.0-cpu-{rid}", spec.FolderName);
        Assert.Equal($"runtimes/{rid}/native/", spec.NativePrefix);
    }

    [Theory]
    [InlineData("linux-x64")]
    [InlineData("win-x64")]
    public void Cuda_libtorch_is_the_cuda_12_8_meta_package_whose_parts_are_followed(string rid)
    {
        var spec = RuntimeCatalog.Torch(RuntimeBackend.Cuda, RuntimePlatform.Parse(rid));
        Assert.Equal(new[] { "TorchSharp 0.107.0", $"libtorch-cuda-12.8-{rid} 2.10.0" }, spec.Packages.Select(p => p.ToString()));
        Assert.True(spec.FollowDependencies);
        Assert.Contains("torch_cuda", spec.EntryLibraries);
        Assert.Equal($"libtorch-2.10.0-cuda-{rid}", spec.FolderName);
    }

    [Fact]
    public void There_is_no_cuda_runtime_for_macOS_and_the_error_says_what_exists()
    {
        var e = Assert.Throws<BertNerException>(() => RuntimeCatalog.Torch(RuntimeBackend.Cuda, RuntimePlatform.Parse("osx-arm64")));
        Assert.Contains("only linux-x64 and win-x64", e.Message);
        Assert.Throws<BertNerException>(() => RuntimePlatform.Parse("linux-riscv64"));
    }

    [Theory]
    [InlineData("linux-x64", "libonnxruntime.so")]
    [InlineData("win-x64", "onnxruntime.dll")]
    [InlineData("osx-arm64", "libonnxruntime.dylib")]
    public void Onnx_runtime_comes_from_the_one_OnnxRuntime_package(string rid, string file)
    {
        var spec = RuntimeCatalog.Onnx(RuntimeBackend.Cpu, RuntimePlatform.Parse(rid));
        Assert.Equal(new[] { "Microsoft.ML.OnnxRuntime 1.31.1" }, spec.Packages.Select(p => p.ToString()));
        Assert.Equal(file, spec.Platform.LibraryFileNames("onnxruntime").First());
        Assert.True(spec.Keeps(file));
        Assert.False(spec.Keeps("onnxruntime.lib"));
    }

    [Fact]
    public void Library_names_map_to_each_platforms_file_names()
    {
        Assert.Equal("libtorch_cpu.so", RuntimePlatform.Parse("linux-x64").LibraryFileNames("torch_cpu").First());
        Assert.Equal("libLibTorchSharp.dylib", RuntimePlatform.Parse("osx-arm64").LibraryFileNames("LibTorchSharp").First());
        Assert.Equal("torch_cpu.dll", RuntimePlatform.Parse("win-x64").LibraryFileNames("torch_cpu").First());
        Assert.Equal("libgomp-98b21ff3.so.1", RuntimePlatform.Parse("linux-x64").LibraryFileNames("libgomp-98b21ff3.so.1").Single());
    }

    [Fact]
    public void The_versions_agree_with_the_packages_the_engine_is_built_against()
    {
        var props = XDocument.Load(Path.Combine(RepoRoot(), "Directory.Packages.props"));
        string Version(string id) => props.Descendants("PackageVersion").Single(e => (string?)e.Attribute("Include") == id).Attribute("Version")!.Value;
        Assert.Equal(RuntimeCatalog.TorchSharpVersion, Version("TorchSharp-cpu"));
        Assert.Equal(RuntimeCatalog.OnnxRuntimeVersion, Version("Microsoft.ML.OnnxRuntime"));
        Assert.Equal(RuntimeCatalog.TorchSharpVersion, typeof(TorchSharp.torch).Assembly.GetName().Version!.ToString(3));
        var nuspec = Path.Combine(RuntimeLocator.GlobalPackagesFolder, "libtorch-cpu", RuntimeCatalog.LibTorchVersion, "libtorch-cpu.nuspec");
        Assert.True(File.Exists(nuspec), $"{nuspec}: the restore of TorchSharp-cpu {RuntimeCatalog.TorchSharpVersion} should have brought libtorch-cpu {RuntimeCatalog.LibTorchVersion}");
    }

    [Fact]
    public void Every_cpu_package_has_the_hash_the_build_found_in_the_global_packages_folder()
    {
        foreach (var rid in RuntimePlatform.Supported)
            foreach (var spec in new[] { RuntimeCatalog.Torch(RuntimeBackend.Cpu, RuntimePlatform.Parse(rid)), RuntimeCatalog.Onnx(RuntimeBackend.Cpu, RuntimePlatform.Parse(rid)) })
                foreach (var p in spec.Packages)
                {
                    var sidecar = Path.Combine(RuntimeLocator.GlobalPackagesFolder, p.Id.ToLowerInvariant(), p.Version, p.FileName + ".sha512");
                    Assert.True(p.Sha512 is not null, $"{p}: no SHA512 built in (RuntimePackageHashes.targets)");
                    if (File.Exists(sidecar)) Assert.Equal(File.ReadAllText(sidecar).Trim(), p.Sha512);
                }
    }

    /// <summary>
    /// What `dotnet publish -r win-x64` lays out for TorchSharp-cpu (docs: research of issue 18): the eight natives of
    /// torchsharp + libtorch-cpu-win-x64. Read from the real packages' zip directories, so no 265 MB is unpacked.
    /// </summary>
    [SkippableFact]
    public void Win_x64_keeps_the_files_dotnet_publish_lays_out_and_linux_drops_python_and_test_libraries()
    {
        var expected = new Dictionary<string, string[]>
        {
            ["win-x64"] = new[] { "LibTorchSharp.dll", "c10.dll", "libiomp5md.dll", "libiompstubs5md.dll", "torch.dll", "torch_cpu.dll", "torch_global_deps.dll", "uv.dll" },
            ["linux-x64"] = new[] { "libLibTorchSharp.so", "libc10.so", "libgomp-98b21ff3.so.1", "libtorch.so", "libtorch_cpu.so", "libtorch_global_deps.so" },
            ["osx-arm64"] = new[] { "libLibTorchSharp.dylib", "libc10.dylib", "libomp.dylib", "libtorch.dylib", "libtorch_cpu.dylib", "libtorch_global_deps.dylib" },
        };
        foreach (var (rid, files) in expected)
        {
            var spec = RuntimeCatalog.Torch(RuntimeBackend.Cpu, RuntimePlatform.Parse(rid));
            var kept = new List<string>();
            foreach (var p in spec.Packages)
            {
                var nupkg = Path.Combine(RuntimeLocator.GlobalPackagesFolder, p.Id.ToLowerInvariant(), p.Version, p.FileName);
                Skip.IfNot(File.Exists(nupkg), $"{nupkg} is not in the global packages folder (restore TorchSharp-cpu first): skipped.");
                using var zip = ZipFile.OpenRead(nupkg);
                kept.AddRange(zip.Entries.Select(e => e.FullName).Where(n => n.StartsWith(spec.NativePrefix, StringComparison.Ordinal))
                    .Select(n => n[spec.NativePrefix.Length..]).Where(spec.Keeps));
            }
            Assert.Equal(files.Order(StringComparer.Ordinal), kept.Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public void Load_order_puts_each_library_after_its_dependencies()
    {
        var spec = RuntimeCatalog.Torch(RuntimeBackend.Cpu, RuntimePlatform.Parse("osx-arm64"));
        var order = spec.InLoadOrder(new[] { "libLibTorchSharp.dylib", "libtorch_cpu.dylib", "libomp.dylib", "libc10.dylib", "libtorch.dylib", "libtorch_global_deps.dylib" }).ToList();
        Assert.Equal(new[] { "libomp.dylib", "libc10.dylib", "libtorch_cpu.dylib", "libtorch.dylib", "libLibTorchSharp.dylib" }, order);
    }

    [Fact]
    public void The_offline_message_says_exactly_how_to_install_without_network()
    {
        var spec = RuntimeCatalog.Torch(RuntimeBackend.Cpu, RuntimePlatform.Parse("linux-x64"));
        var text = RuntimeMessages.Offline(spec, new[] { "The runtime source http://127.0.0.1:9/v3/index.json is unavailable: could not reach it." }, Array.Empty<string>());
        Assert.Contains("Save-BertNerRuntime -Path <folder> -Platform linux-x64", text);
        Assert.Contains("BERTNER_RUNTIME_PATH", text);
        Assert.Contains("libtorch-2.10.0-cpu-linux-x64", text);
        Assert.Contains("torchsharp.0.107.0.nupkg and libtorch-cpu-linux-x64.2.10.0.nupkg", text);
        Assert.Contains("Install-BertNerRuntime -Source <folder or feed index.json URL>", text);
        Assert.Contains("127.0.0.1:9", text);
    }

    [Fact]
    public void A_Windows_load_failure_explains_TorchSharp_1567_and_the_VC_redistributable()
    {
        var text = RuntimeMessages.WindowsLoadFailure(@"C:\rt", "The specified procedure could not be found. (0x8007007F)");
        Assert.Contains("https://github.com/dotnet/TorchSharp/issues/1567", text);
        Assert.Contains("Visual C++ 2015-2022", text);
        Assert.Contains("0x8007007F", text);
    }

    internal static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Directory.Packages.props"))) return d.FullName;
        throw new InvalidOperationException("repository root not found above " + AppContext.BaseDirectory);
    }
}
