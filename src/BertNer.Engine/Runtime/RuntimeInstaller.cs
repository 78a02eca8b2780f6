using System.Diagnostics;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Xml.Linq;
using BertNer.IO;
using BertNer.Hub;
using BertNer.Testing;

namespace BertNer.Runtime;

/// <summary>
/// Installs a native runtime from a NuGet feed or folder into <c>&lt;root&gt;/&lt;spec.FolderName&gt;</c>: each package is
/// fetched, its SHA512 checked (against the hash built into BertNer and the source's own, a mismatch with either is
/// fatal), only the needed <c>runtimes/&lt;rid&gt;/native</c> files are unpacked into a temporary folder beside the
/// target, split files are re-joined, libLibTorchSharp.so gets the libstdc++ fix where this system needs it, the
/// manifest is written last, and one rename puts the folder in place. A killed install leaves only a temporary
/// folder, which the next install removes.
/// </summary>
public static class RuntimeInstaller
{
    private const string Downloads = ".packages";
    private const string Fragments = ".fragments";

    /// <param name="force">Reinstall even when an intact copy is there.</param>
    /// <param name="patchForThisSystem">Apply the libstdc++ fix when the runtime is for this platform and the system needs it (false for copies meant for other machines).</param>
    public static async Task<LocatedRuntime> InstallAsync(RuntimeSpec spec, string root, string source, bool force,
        IProgress<RuntimeInstallProgress>? progress, CancellationToken ct, bool patchForThisSystem = true)
    {
        root = Path.GetFullPath(root);
        var target = Path.Combine(root, spec.FolderName);
        try
        {
            Directory.CreateDirectory(root);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw NoWriteAccess(root, e);
        }
        using var held = await AcquireLock(root, spec, ct).ConfigureAwait(false);
        AtomicFile.RecoverFolder(target);
        RemoveAbandonedInstalls(root, spec);
        if (!force && RuntimeLocator.CheckInstalled(spec, target, hashAll: true, out _) is { } intact) return intact;

        var staging = Path.Combine(root, $".{spec.FolderName}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            Directory.CreateDirectory(staging);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw NoWriteAccess(root, e);
        }
        try
        {
            using var from = PackageSource.Open(source);
            var installed = new List<RuntimePackage>();
            var queue = new Queue<RuntimePackage>(spec.Packages);
            while (queue.Count > 0)
            {
                var package = queue.Dequeue();
                if (installed.Any(p => string.Equals(p.Id, package.Id, StringComparison.OrdinalIgnoreCase))) continue;
                var fetched = await FetchVerifiedAsync(spec, from, package, Path.Combine(staging, Downloads), progress, ct).ConfigureAwait(false);
                foreach (var dependency in Unpack(spec, package, fetched.Path, staging, progress, ct))
                    queue.Enqueue(dependency);
                if (fetched.Path.StartsWith(staging, StringComparison.Ordinal)) File.Delete(fetched.Path);
                installed.Add(package);
            }
            FragmentStitcher.Stitch(staging, Path.Combine(staging, Fragments));
            DeleteIfThere(Path.Combine(staging, Fragments));
            DeleteIfThere(Path.Combine(staging, Downloads));

            var patched = new List<string>();
            if (patchForThisSystem && spec.Platform.IsLinux && spec.Platform.Rid == RuntimePlatform.Current.Rid && !ElfVersionNeeds.SystemLibStdCxxHas())
                foreach (var lib in Directory.EnumerateFiles(staging, "libLibTorchSharp.so"))
                    if (ElfVersionNeeds.MakeWeak(lib) == ElfVersionNeed.Required) patched.Add(Path.GetFileName(lib));

            var files = Directory.EnumerateFiles(staging).Order(StringComparer.Ordinal).Select(RuntimeManifest.Describe).ToList();
            var missing = spec.EntryLibraries.Where(name => !spec.Platform.LibraryFileNames(name).Any(f => files.Any(x => x.Name == f))).ToList();
            if (missing.Count > 0)
                throw new BertNerException(BertNerErrorKind.InvalidData,
                    $"The packages {string.Join(", ", installed)} from {from.Location} hold no {string.Join(", ", missing.SelectMany(m => spec.Platform.LibraryFileNames(m).Take(1)))} for {spec.Platform.Rid}: they are not the runtime BertNer needs.", from.Location);
            new RuntimeManifest
            {
                Runtime = spec.FolderName, Version = spec.Version, Backend = spec.Backend.ToString(), Platform = spec.Platform.Rid,
                Source = from.Location, Packages = installed.Select(p => p.ToString()).ToList(), Files = files, Patched = patched,
                InstalledUtc = DateTime.UtcNow,
            }.Write(staging);
            AtomicFile.ReplaceFolder(staging, target);
        }
        catch
        {
            DeleteIfThere(staging);
            throw;
        }
        return RuntimeLocator.CheckInstalled(spec, target, hashAll: false, out var problem)
            ?? throw new BertNerException(BertNerErrorKind.InvalidData, $"The runtime just installed into '{target}' does not check out: {problem}.", target);
    }

    private static async Task<FetchedPackage> FetchVerifiedAsync(RuntimeSpec spec, PackageSource from, RuntimePackage package, string downloads,
        IProgress<RuntimeInstallProgress>? progress, CancellationToken ct)
    {
        var name = package.ToString();
        var fetched = await from.FetchAsync(package, downloads,
            progress is null ? null : Throttled((done, total) => progress.Report(new RuntimeInstallProgress(spec.FolderName, "Downloading", name, done, total))), ct).ConfigureAwait(false);
        var size = new FileInfo(fetched.Path).Length;
        string actual;
        await using (var stream = new FileStream(fetched.Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, useAsync: true))
        {
            progress?.Report(new RuntimeInstallProgress(spec.FolderName, "Checking", name, 0, size));
            actual = Convert.ToBase64String(await SHA512.HashDataAsync(stream, ct).ConfigureAwait(false));
        }
        var expected = package.Sha512 ?? KnownPackageHashes.Get(package.Id, package.Version);
        foreach (var (hash, origin) in new[] { (expected, "the hash built into BertNer"), (fetched.SourceSha512, fetched.HashOrigin) })
            if (hash is not null && !string.Equals(hash, actual, StringComparison.Ordinal))
            {
                if (fetched.Path.StartsWith(downloads, StringComparison.Ordinal)) File.Delete(fetched.Path);
                throw new BertNerException(BertNerErrorKind.InvalidData,
                    $"{package.FileName} from {from.Location} ({size} bytes) has SHA512 {actual}, but {origin} says {hash}: the package is damaged, truncated or not the published one. Nothing was installed; check the source and try again.",
                    fetched.Path);
            }
        if (expected is null && fetched.SourceSha512 is null)
            throw new BertNerException(BertNerErrorKind.InvalidData,
                $"{package.FileName} from {from.Location} cannot be checked: BertNer has no hash built in for it and the source gives none (no catalog packageHash, no .nupkg.sha512 beside it). Use a feed with a catalog (nuget.org) or the global packages folder of a machine that restored it.",
                fetched.Path);
        return fetched;
    }

    /// <summary>Unpacks the package's needed files into <paramref name="staging"/>; returns the libtorch dependencies to install too (CUDA parts).</summary>
    private static List<RuntimePackage> Unpack(RuntimeSpec spec, RuntimePackage package, string nupkg, string staging,
        IProgress<RuntimeInstallProgress>? progress, CancellationToken ct)
    {
        var dependencies = new List<RuntimePackage>();
        ZipArchive zip;
        try
        {
            zip = ZipFile.OpenRead(nupkg);
        }
        catch (InvalidDataException e)
        {
            throw new BertNerException(BertNerErrorKind.InvalidData, $"{package.FileName} is not a readable package ({e.Message}).", nupkg, e);
        }
        using (zip)
        {
            var fragmentPrefix = $"fragments/{spec.Platform.Rid}/native/";
            var wanted = zip.Entries.Select(e => (Entry: e, Name: Uri.UnescapeDataString(e.FullName).Replace('\\', '/'))).ToList();
            long total = wanted.Where(w => w.Name.StartsWith(spec.NativePrefix, StringComparison.Ordinal) || w.Name.StartsWith(fragmentPrefix, StringComparison.Ordinal)).Sum(w => w.Entry.Length);
            long done = 0;
            var report = progress is null ? null : Throttled((d, t) => progress.Report(new RuntimeInstallProgress(spec.FolderName, "Unpacking", package.ToString(), d, t)));
            foreach (var (entry, name) in wanted)
            {
                ct.ThrowIfCancellationRequested();
                string? destination = null;
                if (name.StartsWith(spec.NativePrefix, StringComparison.Ordinal) && name.IndexOf('/', spec.NativePrefix.Length) < 0)
                {
                    var file = name[spec.NativePrefix.Length..];
                    if (file.EndsWith(".sha", StringComparison.Ordinal)) { if (spec.Keeps(file[..^4])) destination = Path.Combine(staging, Fragments, file); }
                    else if (file.Length > 0 && spec.Keeps(file)) destination = Path.Combine(staging, file);
                }
                else if (name.StartsWith(fragmentPrefix, StringComparison.Ordinal) && name.IndexOf('/', fragmentPrefix.Length) < 0)
                {
                    // Pieces of a file the runtime drops (a split libtorch_python) are not needed either.
                    var piece = name[fragmentPrefix.Length..];
                    var at = piece.LastIndexOf(".fragment", StringComparison.Ordinal);
                    if (at > 0 && spec.Keeps(piece[..at])) destination = Path.Combine(staging, Fragments, piece);
                }
                else if (spec.FollowDependencies && name.EndsWith(".nuspec", StringComparison.OrdinalIgnoreCase) && !name.Contains('/'))
                {
                    using var nuspec = entry.Open();
                    dependencies.AddRange(LibTorchDependencies(XDocument.Load(nuspec)));
                }
                if (destination is null) continue;
                Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
                try
                {
                    using (var input = entry.Open())
                    using (var output = new FileStream(destination, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
                    {
                        input.CopyTo(output);
                        output.Flush(flushToDisk: true);
                    }
                }
                catch (InvalidDataException e)
                {
                    throw new BertNerException(BertNerErrorKind.InvalidData, $"{package.FileName} is damaged: '{name}' cannot be unpacked ({e.Message}).", nupkg, e);
                }
                done += entry.Length;
                report?.Invoke(done, total);
                FaultHooks.CheckpointWrite?.Invoke("runtime-file-unpacked", destination);
            }
        }
        return dependencies;
    }

    /// <summary>The libtorch-* packages a CUDA meta or part package depends on (exact versions, as TorchSharp pins them).</summary>
    internal static IEnumerable<RuntimePackage> LibTorchDependencies(XDocument nuspec) =>
        nuspec.Descendants().Where(e => e.Name.LocalName == "dependency")
            .Select(e => (Id: (string?)e.Attribute("id"), Version: (string?)e.Attribute("version")))
            .Where(d => d.Id is not null && d.Version is not null && d.Id.StartsWith("libtorch-", StringComparison.OrdinalIgnoreCase))
            .Select(d => new RuntimePackage(d.Id!, d.Version!.Trim('[', ']', '(', ')', ' ').Split(',')[0].Trim()))
            .DistinctBy(p => p.Id.ToLowerInvariant());

    private static async Task<FileLock> AcquireLock(string root, RuntimeSpec spec, CancellationToken ct)
    {
        try
        {
            return await FileLock.AcquireAsync(Path.Combine(root, $".{spec.FolderName}.lock"), TimeSpan.FromMinutes(30), ct, $"installing {spec.FolderName}").ConfigureAwait(false);
        }
        catch (Exception e) when (e is UnauthorizedAccessException || (e is IOException io && !FileLock.HeldByAnother(io)))
        {
            throw NoWriteAccess(root, e);
        }
    }

    /// <summary>Temporary folders of installs whose process is gone (killed, power cut): never a finished runtime, so they go.</summary>
    private static void RemoveAbandonedInstalls(string root, RuntimeSpec spec)
    {
        foreach (var dir in Directory.EnumerateDirectories(root, $".{spec.FolderName}.*.tmp"))
        {
            var parts = Path.GetFileName(dir)[(spec.FolderName.Length + 2)..].Split('.');
            // This process's own temporary folders are left alone: another thread may still be using one.
            if (parts.Length != 3 || !int.TryParse(parts[0], out var pid) || pid == Environment.ProcessId || IsRunning(pid)) continue;
            DeleteIfThere(dir);
        }
    }

    private static bool IsRunning(int pid)
    {
        try { using var p = Process.GetProcessById(pid); return !p.HasExited; }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
    }

    private static void DeleteIfThere(string dir)
    {
        try { if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    private static Action<long, long?> Throttled(Action<long, long?> report)
    {
        var clock = Stopwatch.StartNew();
        long last = -1000;
        return (done, total) =>
        {
            if (total is long t && done >= t || clock.ElapsedMilliseconds - last >= 100)
            {
                last = clock.ElapsedMilliseconds;
                report(done, total);
            }
        };
    }

    internal static BertNerException NoWriteAccess(string root, Exception e) =>
        new(BertNerErrorKind.PermissionDenied,
            $"BertNer cannot write to the runtime folder '{root}' ({e.Message}). Set the environment variable {RuntimeLocator.RuntimePathVariable} to a folder you can write to (and keep it set when using BertNer), or ask whoever owns '{root}' for write access.",
            root, e);
}
