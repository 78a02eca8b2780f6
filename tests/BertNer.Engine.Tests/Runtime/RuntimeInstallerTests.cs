using System.Text;
using BertNer.Runtime;
using BertNer.Tests.Reliability;
using BertNer.Tests.Support;

namespace BertNer.Tests.Runtime;

/// <summary>
/// Installing a runtime from a loopback NuGet feed and from local folders, with small synthetic packages: the happy
/// path and each way it can go wrong (hash mismatch, truncated download, feed down, killed install, no write access,
/// a damaged installed folder).
/// </summary>
public sealed class RuntimeInstallerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bertner-rt-").FullName;
    private readonly LoopbackNuGetFeed _feed = new();
    private readonly byte[] _glue;
    private readonly byte[] _torch;

    public RuntimeInstallerTests()
    {
        (_glue, _torch) = SyntheticPackages.CpuPackages();
        _feed.Add("Fake.Glue", "9.9.9", _glue);
        _feed.Add("fake-libtorch-linux-x64", "9.9.9", _torch);
    }

    private string Root => Path.Combine(_dir, "runtimes");
    private RuntimeSpec Spec() => SyntheticPackages.Spec(SyntheticPackages.Sha512(_glue), SyntheticPackages.Sha512(_torch));
    private string Target(RuntimeSpec spec) => Path.Combine(Root, spec.FolderName);

    private Task<LocatedRuntime> Install(RuntimeSpec spec, string source, bool force = false, IProgress<RuntimeInstallProgress>? progress = null) =>
        RuntimeInstaller.InstallAsync(spec, Root, source, force, progress, CancellationToken.None, patchForThisSystem: false);

    private void AssertNothingLeft(RuntimeSpec spec)
    {
        Assert.False(Directory.Exists(Target(spec)), $"{Target(spec)} should not exist");
        if (Directory.Exists(Root)) Assert.Empty(Directory.EnumerateDirectories(Root, "*.tmp"));
    }

    [Fact]
    public async Task Installs_only_the_needed_files_with_a_manifest_written_last_and_reports_progress()
    {
        var spec = Spec();
        var reports = new List<RuntimeInstallProgress>();
        var runtime = await Install(spec, _feed.IndexUrl, progress: new SyncProgress(reports.Add));
        Assert.Equal(Target(spec), runtime.Path);
        Assert.Equal(RuntimeLocation.RuntimeFolder, runtime.Location);
        Assert.Equal(new[] { RuntimeManifest.FileName, "libLibTorchSharp.so", "libc10.so", "libtorch_cpu.so" },
            Directory.EnumerateFiles(Target(spec)).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(Path.Combine(Target(spec), "libtorch_cpu.so"), runtime.Resolve("torch_cpu"));
        Assert.Equal(new[] { "libc10.so", "libtorch_cpu.so", "libLibTorchSharp.so" }, runtime.PreloadOrder().Select(Path.GetFileName));
        var manifest = RuntimeManifest.Read(Target(spec), out _)!;
        Assert.Equal(_feed.IndexUrl, manifest.Source);
        Assert.Equal(200_000, manifest.Files.Single(f => f.Name == "libtorch_cpu.so").Size);
        Assert.Contains(reports, r => r.Stage == "Downloading" && r.Package == "fake-libtorch-linux-x64 9.9.9" && r.TotalBytes == _torch.Length);
        Assert.Contains(reports, r => r.Stage == "Unpacking");
        Assert.Contains(_feed.Requests, r => r.StartsWith("/catalog/", StringComparison.Ordinal)); // the feed's own hash was asked for too
        Assert.Empty(Directory.EnumerateDirectories(Root, "*.tmp"));
    }

    [Fact]
    public async Task A_package_whose_bytes_differ_from_the_feeds_catalog_hash_is_refused_and_nothing_is_installed()
    {
        var spec = SyntheticPackages.Spec(SyntheticPackages.Sha512(_glue), null); // nothing built in for the libtorch package
        _feed.Add("fake-libtorch-linux-x64", "9.9.9", _torch, catalogHash: SyntheticPackages.Sha512(Encoding.UTF8.GetBytes("another package")));
        var e = await Assert.ThrowsAsync<BertNerException>(() => Install(spec, _feed.IndexUrl));
        Assert.Equal(BertNerErrorKind.InvalidData, e.Kind);
        Assert.Contains("fake-libtorch-linux-x64.9.9.9.nupkg", e.Message);
        Assert.Contains("the feed's catalog", e.Message);
        Assert.Contains("Nothing was installed", e.Message);
        AssertNothingLeft(spec);
    }

    [Fact]
    public async Task A_feed_without_catalog_is_checked_against_the_built_in_hash()
    {
        _feed.WithCatalog = false;
        var spec = SyntheticPackages.Spec(SyntheticPackages.Sha512(_glue), SyntheticPackages.Sha512(Encoding.UTF8.GetBytes("what BertNer expects")));
        var e = await Assert.ThrowsAsync<BertNerException>(() => Install(spec, _feed.IndexUrl));
        Assert.Contains("the hash built into BertNer", e.Message);
        AssertNothingLeft(spec);

        var unverifiable = SyntheticPackages.Spec(SyntheticPackages.Sha512(_glue), null);
        e = await Assert.ThrowsAsync<BertNerException>(() => Install(unverifiable, _feed.IndexUrl));
        Assert.Contains("cannot be checked", e.Message);
        AssertNothingLeft(unverifiable);
    }

    [Fact]
    public async Task A_download_cut_off_half_way_is_reported_as_truncated_and_nothing_is_installed()
    {
        var spec = Spec();
        _feed.Truncate["fake-libtorch-linux-x64.9.9.9.nupkg"] = true;
        var e = await Assert.ThrowsAsync<RuntimeSourceUnavailableException>(() => Install(spec, _feed.IndexUrl));
        Assert.Matches("broke after|ended after", e.Message);
        AssertNothingLeft(spec);
        _feed.Truncate.Clear();
        await Install(spec, _feed.IndexUrl); // the next attempt succeeds
    }

    [Fact]
    public async Task A_feed_that_is_down_gives_a_source_unavailable_error()
    {
        var spec = Spec();
        var down = $"http://127.0.0.1:{LoopbackNuGetFeed.FreePort()}/v3/index.json";
        var e = await Assert.ThrowsAsync<RuntimeSourceUnavailableException>(() => Install(spec, down));
        Assert.Contains(down, e.Message);
        Assert.Contains("could not reach", e.Message);
        AssertNothingLeft(spec);
    }

    [Fact]
    public async Task Installs_from_hierarchical_and_flat_local_folders_and_checks_a_sidecar_hash()
    {
        var spec = Spec();
        var hierarchical = Path.Combine(_dir, "feed-h");
        Directory.CreateDirectory(Path.Combine(hierarchical, "fake.glue", "9.9.9"));
        File.WriteAllBytes(Path.Combine(hierarchical, "fake.glue", "9.9.9", "fake.glue.9.9.9.nupkg"), _glue);
        Directory.CreateDirectory(Path.Combine(hierarchical, "Fake-LibTorch-linux-x64", "9.9.9"));
        File.WriteAllBytes(Path.Combine(hierarchical, "Fake-LibTorch-linux-x64", "9.9.9", "fake-libtorch-linux-x64.9.9.9.nupkg"), _torch);
        await Install(spec, hierarchical);

        var flat = Path.Combine(_dir, "feed-flat");
        Directory.CreateDirectory(flat);
        File.WriteAllBytes(Path.Combine(flat, "fake.glue.9.9.9.nupkg"), _glue);
        File.WriteAllBytes(Path.Combine(flat, "fake-libtorch-linux-x64.9.9.9.nupkg"), _torch);
        File.WriteAllText(Path.Combine(flat, "fake-libtorch-linux-x64.9.9.9.nupkg.sha512"), SyntheticPackages.Sha512(new byte[] { 1 }));
        var e = await Assert.ThrowsAsync<BertNerException>(() => Install(SyntheticPackages.Spec(SyntheticPackages.Sha512(_glue), null), flat, force: true));
        Assert.Contains(".nupkg.sha512", e.Message);
        Assert.True(Directory.Exists(Target(spec)), "a failed reinstall must leave the intact runtime in place");

        var empty = Directory.CreateDirectory(Path.Combine(_dir, "feed-empty")).FullName;
        var missing = await Assert.ThrowsAsync<BertNerException>(() => Install(spec, empty, force: true));
        Assert.Equal(BertNerErrorKind.ObjectNotFound, missing.Kind);
    }

    [Fact]
    public async Task A_damaged_installed_folder_is_detected_and_reinstalled()
    {
        var spec = Spec();
        await Install(spec, _feed.IndexUrl);
        var lib = Path.Combine(Target(spec), "libtorch_cpu.so");

        // A changed byte with the install's time stamp: only hashing finds it (Install and Get-BertNerRuntime -Verify hash).
        var written = File.GetLastWriteTimeUtc(lib);
        using (var fs = new FileStream(lib, FileMode.Open))
        {
            fs.Position = 1000;
            var b = fs.ReadByte();
            fs.Position = 1000;
            fs.WriteByte((byte)(b ^ 0xFF));
        }
        File.SetLastWriteTimeUtc(lib, written);
        Assert.NotNull(RuntimeLocator.CheckInstalled(spec, Target(spec), hashAll: false, out _));
        Assert.Null(RuntimeLocator.CheckInstalled(spec, Target(spec), hashAll: true, out var problem));
        Assert.Contains("libtorch_cpu.so' has changed", problem);

        // A changed write time (a write after the install) is checked on every load.
        File.SetLastWriteTimeUtc(lib, written.AddMinutes(1));
        Assert.Null(RuntimeLocator.CheckInstalled(spec, Target(spec), hashAll: false, out problem));

        // A truncated file and a missing manifest (an install cut short) are caught without hashing.
        File.WriteAllBytes(lib, new byte[10]);
        Assert.Null(RuntimeLocator.CheckInstalled(spec, Target(spec), hashAll: false, out problem));
        Assert.Contains("has 10 bytes, the install wrote 200000", problem);

        var repaired = await Install(spec, _feed.IndexUrl); // no -Force: the damage alone makes it reinstall
        Assert.Equal(200_000, new FileInfo(repaired.Resolve("torch_cpu")!).Length);
        Assert.NotNull(RuntimeLocator.CheckInstalled(spec, Target(spec), hashAll: true, out _));

        File.Delete(Path.Combine(Target(spec), RuntimeManifest.FileName));
        Assert.Null(RuntimeLocator.CheckInstalled(spec, Target(spec), hashAll: false, out problem));
        Assert.Contains("has no bertner-runtime.json", problem);
    }

    [Fact]
    public async Task A_killed_install_leaves_nothing_at_the_target_and_the_next_install_succeeds()
    {
        var spec = Spec();
        using (var child = new ChildTraining("--install-runtime", _feed.IndexUrl, Root, SyntheticPackages.Rid, "libtorch_cpu.so",
                   $"Fake.Glue:9.9.9:{SyntheticPackages.Sha512(_glue)}", $"fake-libtorch-linux-x64:9.9.9:{SyntheticPackages.Sha512(_torch)}"))
        {
            child.WaitFor(l => l.StartsWith("PAUSED ", StringComparison.Ordinal));
            child.Kill(); // SIGKILL in the middle of unpacking
        }
        Assert.False(Directory.Exists(Target(spec)));
        Assert.Single(Directory.EnumerateDirectories(Root, "*.tmp")); // the dead install's temporary folder, never loaded

        var runtime = await Install(spec, _feed.IndexUrl);
        Assert.NotNull(RuntimeLocator.CheckInstalled(spec, runtime.Path, hashAll: true, out _));
        Assert.Empty(Directory.EnumerateDirectories(Root, "*.tmp")); // the leftover is gone
    }

    [SkippableFact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Without_write_access_to_the_runtime_folder_the_error_says_which_folder_and_what_to_do()
    {
        Skip.If(OperatingSystem.IsWindows(), "chmod has no meaning on Windows: skipped.");
        // Root ignores chmod, so as root the folder is one under /sys, where the kernel refuses mkdir even to root.
        bool asRoot = geteuid() == 0;
        var root = asRoot ? $"/sys/bertner-runtime-test-{Guid.NewGuid():N}" : Root;
        if (asRoot)
        {
            Skip.IfNot(OperatingSystem.IsLinux(), "Tests run as root on a system without sysfs: no folder root cannot write to. Skipped.");
            Skip.If(Directory.Exists(root) || TryCreate(root), "Root could create a folder under /sys on this system: no folder root cannot write to. Skipped.");
        }
        else
        {
            Directory.CreateDirectory(root);
            File.SetUnixFileMode(root, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        }
        try
        {
            var e = await Assert.ThrowsAsync<BertNerException>(() =>
                RuntimeInstaller.InstallAsync(Spec(), root, _feed.IndexUrl, false, null, CancellationToken.None, patchForThisSystem: false));
            Assert.Equal(BertNerErrorKind.PermissionDenied, e.Kind);
            Assert.Contains(root, e.Message);
            Assert.Contains("BERTNER_RUNTIME_PATH", e.Message);
        }
        finally
        {
            if (!asRoot) File.SetUnixFileMode(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private static bool TryCreate(string folder)
    {
        try { Directory.CreateDirectory(folder); }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException) { return false; }
        Directory.Delete(folder);
        return true;
    }

    [SkippableFact]
    public async Task A_runtime_folder_where_the_lock_file_cannot_be_created_fails_at_once_instead_of_waiting_30_minutes()
    {
        // /proc/self exists, but no file can be created in it: FileNotFoundException (an IOException, as a held lock
        // is), which the install used to take for another process's lock and retry for 30 minutes.
        Skip.IfNot(OperatingSystem.IsLinux(), "Uses /proc/self, which only Linux has: skipped.");
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var e = await Assert.ThrowsAsync<BertNerException>(() =>
            RuntimeInstaller.InstallAsync(Spec(), "/proc/self", _feed.IndexUrl, false, null, patience.Token, patchForThisSystem: false));
        Assert.Equal(BertNerErrorKind.PermissionDenied, e.Kind);
        Assert.Contains("/proc/self", e.Message);
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern uint geteuid();

    [Fact]
    public async Task Cuda_style_split_files_are_joined_from_their_fragment_packages_and_checked()
    {
        var native = $"runtimes/{SyntheticPackages.Rid}/native/";
        var fragments = $"fragments/{SyntheticPackages.Rid}/native/";
        var whole = SyntheticPackages.Bytes("cuda", 90_000);
        var sha = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(whole)).ToLowerInvariant();
        var meta = SyntheticPackages.Nupkg("fake-libtorch-linux-x64", "9.9.9", new Dictionary<string, byte[]>(),
            "libtorch-fake-part1-primary", "libtorch-fake-part1-fragment1", "libtorch-fake-part1-fragment2", "libtorch-fake-part2");
        var primary = SyntheticPackages.Nupkg("libtorch-fake-part1-primary", "9.9.9", new Dictionary<string, byte[]>
        {
            [native + "libtorch_cuda.so"] = whole[..30_000], [native + "libtorch_cuda.so.sha"] = Encoding.ASCII.GetBytes(sha),
        });
        var f1 = SyntheticPackages.Nupkg("libtorch-fake-part1-fragment1", "9.9.9", new Dictionary<string, byte[]> { [fragments + "libtorch_cuda.so.fragment1"] = whole[30_000..60_000] });
        var f2 = SyntheticPackages.Nupkg("libtorch-fake-part1-fragment2", "9.9.9", new Dictionary<string, byte[]> { [fragments + "libtorch_cuda.so.fragment2"] = whole[60_000..] });
        var part2 = SyntheticPackages.Nupkg("libtorch-fake-part2", "9.9.9", new Dictionary<string, byte[]>
        {
            [native + "libtorch_cpu.so"] = SyntheticPackages.Bytes("cpu", 1000), [native + "libc10.so"] = SyntheticPackages.Bytes("c10", 100),
        });
        _feed.Add("fake-libtorch-linux-x64", "9.9.9", meta);
        foreach (var (id, bytes) in new[] { ("libtorch-fake-part1-primary", primary), ("libtorch-fake-part1-fragment1", f1), ("libtorch-fake-part1-fragment2", f2), ("libtorch-fake-part2", part2) })
            _feed.Add(id, "9.9.9", bytes);
        var spec = SyntheticPackages.Spec(SyntheticPackages.Sha512(_glue), SyntheticPackages.Sha512(meta), followDependencies: true);

        var runtime = await Install(spec, _feed.IndexUrl);
        Assert.Equal(whole, File.ReadAllBytes(runtime.Resolve("torch_cuda")!));
        Assert.Equal(new[] { RuntimeManifest.FileName, "libLibTorchSharp.so", "libc10.so", "libtorch_cpu.so", "libtorch_cuda.so" },
            Directory.EnumerateFiles(runtime.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));

        // A fragment from another build: the joined file fails its .sha and nothing is installed.
        var bad = whole[60_000..];
        bad[5] ^= 0xFF;
        _feed.Add("libtorch-fake-part1-fragment2", "9.9.9", SyntheticPackages.Nupkg("libtorch-fake-part1-fragment2", "9.9.9",
            new Dictionary<string, byte[]> { [fragments + "libtorch_cuda.so.fragment2"] = bad }));
        var e = await Assert.ThrowsAsync<BertNerException>(() => Install(spec, _feed.IndexUrl, force: true));
        Assert.Contains("joined from 3 pieces", e.Message);
        Assert.Empty(Directory.EnumerateDirectories(Root, "*.tmp"));
    }

    public void Dispose()
    {
        _feed.Dispose();
        Directory.Delete(_dir, true);
    }

    private sealed class SyncProgress(Action<RuntimeInstallProgress> report) : IProgress<RuntimeInstallProgress>
    {
        public void Report(RuntimeInstallProgress value) => report(value);
    }
}
