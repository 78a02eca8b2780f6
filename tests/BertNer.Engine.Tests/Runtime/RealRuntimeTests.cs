using System.Diagnostics;
using BertNer.Runtime;
using Xunit.Abstractions;

namespace BertNer.Tests.Runtime;

/// <summary>
/// The real libtorch: installed from the global packages folder (filled by the build; no download) into a temporary
/// runtime folder, then loaded by a child process whose TorchSharp.dll has no natives beside it.
/// </summary>
public sealed class RealRuntimeTests : IDisposable
{
    private readonly ITestOutputHelper _output;
    private readonly string _dir = Directory.CreateTempSubdirectory("bertner-real-rt-").FullName;

    public RealRuntimeTests(ITestOutputHelper output) => _output = output;

    [SkippableFact]
    public async Task Installs_cpu_libtorch_from_the_global_packages_folder_and_a_child_process_computes_with_it()
    {
        var platform = RuntimePlatform.Current;
        Skip.IfNot(platform.Rid == "linux-x64", $"This machine is {platform.Rid}; the test installs and loads the linux-x64 runtime: skipped.");
        var spec = RuntimeCatalog.Torch(RuntimeBackend.Cpu, platform);
        var packages = RuntimeLocator.GlobalPackagesFolder;
        Skip.If(spec.Packages.Any(p => new LocalPackageFolder(packages).Find(p) is null), $"{packages} lacks {string.Join(", ", spec.Packages)}: skipped.");
        var root = Path.Combine(_dir, "runtimes");

        var clock = Stopwatch.StartNew();
        var runtime = await RuntimeInstaller.InstallAsync(spec, root, packages, force: false, null, CancellationToken.None);
        clock.Stop();
        _output.WriteLine($"Installed {spec} from {packages} in {clock.Elapsed.TotalSeconds:F1} s ({runtime.Bytes / 1e6:F1} MB).");
        Assert.Equal(new[] { "libLibTorchSharp.so", "libc10.so", "libgomp-98b21ff3.so.1", "libtorch.so", "libtorch_cpu.so", "libtorch_global_deps.so" },
            runtime.Files.Select(Path.GetFileName).Order(StringComparer.Ordinal));
        var glue = runtime.Resolve("LibTorchSharp")!;
        var manifest = RuntimeManifest.Read(runtime.Path, out _)!;
        if (ElfVersionNeeds.SystemLibStdCxxHas())
        {
            Assert.Empty(manifest.Patched);
        }
        else
        {
            // Debian 12: the installed copy carries the fix, the global packages folder's copy is untouched.
            Assert.Equal(new[] { "libLibTorchSharp.so" }, manifest.Patched);
            Assert.Equal(ElfVersionNeed.Weak, ElfVersionNeeds.Read(glue));
            Assert.Equal(ElfVersionNeed.Required, ElfVersionNeeds.Read(Path.Combine(packages, "torchsharp", RuntimeCatalog.TorchSharpVersion, "runtimes/linux-x64/native/libLibTorchSharp.so")));
        }

        clock.Restart();
        Assert.Equal(runtime.Path, (await RuntimeInstaller.InstallAsync(spec, root, packages, force: false, null, CancellationToken.None)).Path);
        _output.WriteLine($"A second install found the intact copy (every file hashed) in {clock.Elapsed.TotalSeconds:F1} s.");

        var app = ManagedOnlyCopy();
        var (exit, lines) = RunChild(app, ("BERTNER_RUNTIME_PATH", root), ("BERTNER_RUNTIME_AUTOINSTALL", "0"));
        Assert.True(exit == 0, string.Join("\n", lines));
        Assert.Contains("TENSOR 3", lines);
        Assert.Contains($"RUNTIME RuntimeFolder {runtime.Path}", lines);
        Assert.Contains($"MAPPED {runtime.Resolve("torch_cpu")}", lines);
        Assert.False(Directory.Exists(Path.Combine(app, "cpu")), "TorchSharp's fallback copied natives next to TorchSharp.dll");
    }

    [SkippableFact]
    public void Without_a_runtime_and_with_the_source_down_the_first_command_fails_with_the_offline_instructions()
    {
        Skip.IfNot(RuntimePlatform.Current.IsSupported, "No runtime exists for this platform: skipped.");
        var app = ManagedOnlyCopy();
        var empty = Directory.CreateDirectory(Path.Combine(_dir, "empty")).FullName;
        var down = $"http://127.0.0.1:{Support.LoopbackNuGetFeed.FreePort()}/v3/index.json";
        var (exit, lines) = RunChild(app, ("BERTNER_RUNTIME_PATH", Path.Combine(_dir, "none")), ("NUGET_PACKAGES", empty), ("BERTNER_RUNTIME_SOURCE", down));
        var text = string.Join("\n", lines);
        _output.WriteLine(text);
        Assert.Equal(2, exit);
        Assert.Contains("ERROR NotInstalled", text);
        Assert.Contains($"The runtime source {down} is unavailable", text);
        Assert.Contains($"Save-BertNerRuntime -Path <folder> -Platform {RuntimePlatform.Current.Rid}", text);
        Assert.False(Directory.Exists(Path.Combine(app, "cpu")), "TorchSharp's fallback ran");
        Assert.False(Directory.Exists(Path.Combine(_dir, "none", "libtorch-2.10.0-cpu-" + RuntimePlatform.Current.Rid)));
    }

    /// <summary>The fault runner and every managed assembly beside the tests, without natives and without deps.json.</summary>
    private string ManagedOnlyCopy()
    {
        var app = Path.Combine(_dir, "app");
        if (Directory.Exists(app)) return app;
        Directory.CreateDirectory(app);
        foreach (var file in Directory.EnumerateFiles(AppContext.BaseDirectory, "*.dll"))
            if (IsManaged(file)) File.Copy(file, Path.Combine(app, Path.GetFileName(file)));
        File.Copy(Path.Combine(AppContext.BaseDirectory, "BertNer.FaultRunner.runtimeconfig.json"), Path.Combine(app, "BertNer.FaultRunner.runtimeconfig.json"));
        return app;
    }

    private static bool IsManaged(string file)
    {
        try { System.Reflection.AssemblyName.GetAssemblyName(file); return true; }
        catch (BadImageFormatException) { return false; }
    }

    private static (int Exit, List<string> Lines) RunChild(string app, params (string Name, string? Value)[] env) =>
        Support.FaultRunnerProcess.Run(Path.Combine(app, "BertNer.FaultRunner.dll"), new[] { "--runtime-check" }, env, 180);

    public void Dispose() => Directory.Delete(_dir, true);
}
