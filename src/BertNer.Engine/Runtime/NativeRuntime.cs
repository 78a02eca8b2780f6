using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.InteropServices;

namespace BertNer.Runtime;

/// <summary>
/// The native runtimes of this process: which file a DllImport name means (<see cref="ResolveLibrary"/>, also used by
/// the module's own load context), and <see cref="Ensure"/>, which finds or installs a runtime and loads its
/// libraries by full path before TorchSharp or ONNX Runtime make their first call. Loading up front, plus a
/// DllImport resolver on TorchSharp, makes hosts without BertNer's load context (tests, benchmarks, scripts) use the
/// same files, and it keeps TorchSharp from its own fallback, which copies natives next to TorchSharp.dll.
/// </summary>
public static class NativeRuntime
{
    /// <summary>Set to 0 to never install a runtime on first use (then a missing runtime is an error that says how to install it).</summary>
    public const string AutoInstallVariable = "BERTNER_RUNTIME_AUTOINSTALL";
    /// <summary>The feed URL or folder first use installs from (default: the global packages folder when it has the packages, then nuget.org).</summary>
    public const string SourceVariable = "BERTNER_RUNTIME_SOURCE";

    private static readonly ConcurrentDictionary<RuntimeKind, LocatedRuntime> Active = new();
    // What ResolveLibrary found before Ensure ran (null: nothing), so a load context asking name after name searches once.
    private static readonly ConcurrentDictionary<RuntimeKind, LocatedRuntime?> Probed = new();
    private static readonly ConcurrentDictionary<string, IntPtr> Handles = new(StringComparer.Ordinal);
    private static readonly object Gate = new();
    private static int _torchResolverSet;

    /// <summary>
    /// The full path of the file to load for <paramref name="libraryName"/> ("torch_cpu", "LibTorchSharp", "c10",
    /// "onnxruntime", "torch_cuda", …) from the runtime in use, or one that is present; null when none has it. Never throws, never installs.
    /// </summary>
    public static string? ResolveLibrary(string libraryName)
    {
        // A path is loaded as the caller gave it: only bare DllImport names are BertNer's to map.
        if (string.IsNullOrEmpty(libraryName) || libraryName.Contains('/') || libraryName.Contains('\\')) return null;
        try
        {
            foreach (var kind in new[] { RuntimeKind.Torch, RuntimeKind.Onnx })
                if ((Active.TryGetValue(kind, out var active) ? active : Probed.GetOrAdd(kind, k => TryFind(k))) is { } runtime && runtime.Resolve(libraryName) is { } path)
                    return path;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or BertNerException) { }
        return null;
    }

    /// <summary>The runtime this process uses for <paramref name="kind"/>, once <see cref="Ensure"/> has run.</summary>
    public static LocatedRuntime? InUse(RuntimeKind kind) => Active.TryGetValue(kind, out var r) ? r : null;

    /// <summary>A runtime of <paramref name="kind"/> for this platform that is present (CUDA before CPU), or null.</summary>
    public static LocatedRuntime? TryFind(RuntimeKind kind, ICollection<string>? notes = null) =>
        Candidates(kind).Select(spec => RuntimeLocator.Find(spec, notes)).FirstOrDefault(r => r is not null);

    /// <summary>The runtimes <paramref name="kind"/> may use on this platform, preferred first.</summary>
    public static IEnumerable<RuntimeSpec> Candidates(RuntimeKind kind)
    {
        var platform = RuntimePlatform.Current;
        if (!platform.IsSupported) yield break;
        if (kind == RuntimeKind.Torch && platform.Rid is "linux-x64" or "win-x64") yield return RuntimeCatalog.Torch(RuntimeBackend.Cuda, platform);
        yield return RuntimeCatalog.For(kind, RuntimeBackend.Cpu, platform);
    }

    /// <summary>
    /// Finds the runtime (installing the CPU one on first use when none is present), then loads its libraries.
    /// Throws a <see cref="BertNerException"/> that says how to install it offline when that fails.
    /// </summary>
    public static LocatedRuntime Ensure(RuntimeKind kind)
    {
        if (Active.TryGetValue(kind, out var ready)) return ready;
        lock (Gate)
        {
            if (Active.TryGetValue(kind, out ready)) return ready;
            var runtime = FindOrInstall(kind);
            if (kind == RuntimeKind.Torch) SetTorchResolver();
            foreach (var file in runtime.PreloadOrder()) Handles.GetOrAdd(file, NativeLibrary.Load);
            Active[kind] = runtime;
            return runtime;
        }
    }

    /// <summary>
    /// The runtime <see cref="Ensure"/> would use, installing the CPU one when none is present, without loading it. A host
    /// calls this first to show the install's <paramref name="progress"/> and let the user cancel it; <see cref="Ensure"/>
    /// then finds the installed copy.
    /// </summary>
    public static LocatedRuntime FindOrInstall(RuntimeKind kind, IProgress<RuntimeInstallProgress>? progress = null, CancellationToken ct = default)
    {
        if (Active.TryGetValue(kind, out var ready)) return ready;
        var platform = RuntimePlatform.Current;
        if (!platform.IsSupported)
            throw new BertNerException(BertNerErrorKind.NotInstalled,
                $"BertNer has native runtimes for {string.Join(", ", RuntimePlatform.Supported)}; this machine is {platform.Rid}.", platform.Rid);
        lock (Gate)
        {
            var notes = new List<string>();
            return TryFind(kind, notes) ?? Install(RuntimeCatalog.For(kind, RuntimeBackend.Cpu, platform), notes, progress, ct);
        }
    }

    private static LocatedRuntime Install(RuntimeSpec spec, List<string> notes, IProgress<RuntimeInstallProgress>? progress, CancellationToken ct)
    {
        var attempts = new List<string>();
        if (Environment.GetEnvironmentVariable(AutoInstallVariable) is "0")
            throw new BertNerException(BertNerErrorKind.NotInstalled,
                RuntimeMessages.Offline(spec, new[] { $"Installing on first use is off ({AutoInstallVariable}=0)." }, notes), spec.FolderName);
        foreach (var source in DefaultSources(spec))
        {
            try
            {
                return RuntimeInstaller.InstallAsync(spec, RuntimeLocator.RuntimeRoot, source, force: false, progress, ct).GetAwaiter().GetResult();
            }
            catch (RuntimeSourceUnavailableException e)
            {
                attempts.Add(e.Message);
            }
            catch (BertNerException e) when (e.Kind == BertNerErrorKind.ObjectNotFound)
            {
                attempts.Add(e.Message);
            }
        }
        throw new BertNerException(BertNerErrorKind.NotInstalled, RuntimeMessages.Offline(spec, attempts, notes), spec.FolderName);
    }

    /// <summary><c>$BERTNER_RUNTIME_SOURCE</c>; else the global packages folder when it holds every package, then nuget.org.</summary>
    public static IEnumerable<string> DefaultSources(RuntimeSpec spec)
    {
        var set = Environment.GetEnvironmentVariable(SourceVariable);
        if (!string.IsNullOrWhiteSpace(set)) { yield return set; yield break; }
        var global = RuntimeLocator.GlobalPackagesFolder;
        if (!spec.FollowDependencies && Directory.Exists(global) && spec.Packages.All(p => new LocalPackageFolder(global).Find(p) is not null))
            yield return global;
        yield return PackageSource.NuGetOrg;
    }

    /// <summary>Maps TorchSharp's DllImport names to the runtime's files in any load context (its first-use probe included).</summary>
    private static void SetTorchResolver()
    {
        if (Interlocked.Exchange(ref _torchResolverSet, 1) == 1) return;
        try
        {
            NativeLibrary.SetDllImportResolver(typeof(TorchSharp.torch).Assembly, Resolve);
        }
        catch (InvalidOperationException)
        {
            // The host set its own resolver; the preloaded libraries still satisfy TorchSharp's loads by name.
        }
    }

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath) =>
        ResolveLibrary(libraryName) is { } path ? Handles.GetOrAdd(path, NativeLibrary.Load) : IntPtr.Zero;
}
