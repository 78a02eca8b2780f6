namespace BertNer.Runtime;

/// <summary>
/// Finds a native runtime, in this order: next to the managed assembly (a developer build); the per-user runtime
/// folder (<see cref="RuntimeRoot"/>), only when its manifest checks out; the NuGet global packages folder, when
/// the packages are there and usable as they are. Finding loads nothing.
/// </summary>
public static class RuntimeLocator
{
    public const string RuntimePathVariable = "BERTNER_RUNTIME_PATH";

    /// <summary>Where BertNer installs runtimes: <c>$BERTNER_RUNTIME_PATH</c>, else <c>LocalApplicationData/BertNer/runtimes</c>.</summary>
    public static string RuntimeRoot
    {
        get
        {
            var set = Environment.GetEnvironmentVariable(RuntimePathVariable);
            if (!string.IsNullOrWhiteSpace(set)) return Path.GetFullPath(set);
            var local = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify);
            if (string.IsNullOrEmpty(local)) local = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share");
            return Path.Combine(local, "BertNer", "runtimes");
        }
    }

    /// <summary><c>$NUGET_PACKAGES</c>, else <c>~/.nuget/packages</c> (the rule NuGet and TorchSharp use).</summary>
    public static string GlobalPackagesFolder
    {
        get
        {
            var set = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
            return !string.IsNullOrWhiteSpace(set) ? Path.GetFullPath(set)
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        }
    }

    /// <summary>The runtime, or null; <paramref name="notes"/> collects why a candidate was passed over.</summary>
    public static LocatedRuntime? Find(RuntimeSpec spec, ICollection<string>? notes = null)
    {
        if (spec.Platform.Rid == RuntimePlatform.Current.Rid && BesideAssembly(spec) is { } beside) return beside;
        var folder = Path.Combine(RuntimeRoot, spec.FolderName);
        if (Directory.Exists(folder))
        {
            if (CheckInstalled(spec, folder, hashAll: false, out var problem) is { } installed) return installed;
            notes?.Add($"The runtime folder '{folder}' is damaged and is not used: {problem}.");
        }
        return InGlobalPackages(spec, notes);
    }

    /// <summary>The runtime installed in <paramref name="folder"/> when its manifest and files agree, else null and the problem.</summary>
    public static LocatedRuntime? CheckInstalled(RuntimeSpec spec, string folder, bool hashAll, out string? problem)
    {
        var manifest = RuntimeManifest.Read(folder, out problem);
        if (manifest is null) return null;
        if (manifest.Runtime != spec.FolderName) { problem = $"its manifest describes {manifest.Runtime}, not {spec.FolderName}"; return null; }
        problem = manifest.Check(folder, hashAll);
        if (problem is not null) return null;
        var runtime = new LocatedRuntime(spec, RuntimeLocation.RuntimeFolder, new[] { folder }, manifest.Files.Select(f => Path.Combine(folder, f.Name)).ToList());
        var missing = spec.EntryLibraries.FirstOrDefault(n => runtime.Resolve(n) is null);
        if (missing is not null) { problem = $"it has no {spec.Platform.LibraryFileNames(missing).First()}"; return null; }
        return runtime;
    }

    /// <summary>The natives next to TorchSharp.dll / Microsoft.ML.OnnxRuntime.dll, as ./build.ps1 stages them.</summary>
    internal static LocatedRuntime? BesideAssembly(RuntimeSpec spec)
    {
        var assembly = spec.Kind == RuntimeKind.Torch ? typeof(TorchSharp.torch).Assembly : typeof(Microsoft.ML.OnnxRuntime.InferenceSession).Assembly;
        var folder = Path.GetDirectoryName(assembly.Location);
        if (string.IsNullOrEmpty(folder) || !Directory.Exists(folder)) return null;
        return Complete(spec, RuntimeLocation.BesideAssembly, new[] { folder });
    }

    /// <summary>
    /// The packages' <c>runtimes/&lt;rid&gt;/native</c> folders in the global packages folder (CPU runtimes; a CUDA build there is
    /// spread over dozens of part packages). Not on a system whose libstdc++ needs the fix: that folder is NuGet's, never patched.
    /// </summary>
    internal static LocatedRuntime? InGlobalPackages(RuntimeSpec spec, ICollection<string>? notes)
    {
        if (spec.FollowDependencies) return null;
        var folders = spec.Packages.Select(p => Path.Combine(GlobalPackagesFolder, p.Id.ToLowerInvariant(), p.Version.ToLowerInvariant(), "runtimes", spec.Platform.Rid, "native")).ToList();
        if (!folders.All(Directory.Exists)) return null;
        var runtime = Complete(spec, RuntimeLocation.GlobalPackages, folders);
        if (runtime is null) return null;
        if (spec.Platform.Rid == RuntimePlatform.Current.Rid && runtime.Resolve("LibTorchSharp") is { } glue && spec.Platform.IsLinux
            && !ElfVersionNeeds.SystemLibStdCxxHas() && ElfVersionNeeds.Read(glue) == ElfVersionNeed.Required)
        {
            notes?.Add($"'{glue}' needs {ElfVersionNeeds.TorchSharpNeed}, which this system's libstdc++ lacks; the global packages folder is not patched, so a fixed copy is installed instead.");
            return null;
        }
        return runtime;
    }

    private static LocatedRuntime? Complete(RuntimeSpec spec, RuntimeLocation location, IReadOnlyList<string> folders)
    {
        var files = folders.SelectMany(f => Directory.EnumerateFiles(f)).Where(f => IsNativeLibrary(spec, Path.GetFileName(f))).ToList();
        var runtime = new LocatedRuntime(spec, location, folders, files);
        return spec.EntryLibraries.All(n => runtime.Resolve(n) is not null) ? runtime : null;
    }

    private static bool IsNativeLibrary(RuntimeSpec spec, string name)
    {
        if (!spec.Keeps(name) || name.StartsWith("Microsoft.", StringComparison.Ordinal) || name.StartsWith("TorchSharp", StringComparison.Ordinal)
            || name.StartsWith("BertNer", StringComparison.Ordinal) || name.StartsWith("System.", StringComparison.Ordinal)) return false;
        var p = spec.Platform;
        return p.IsWindows ? name.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)
            : p.IsMacOS ? name.EndsWith(".dylib", StringComparison.Ordinal)
            : name.EndsWith(".so", StringComparison.Ordinal) || name.Contains(".so.", StringComparison.Ordinal);
    }
}
