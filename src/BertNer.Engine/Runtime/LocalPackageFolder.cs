namespace BertNer.Runtime;

/// <summary>
/// A folder of .nupkg files, in either NuGet local-feed layout: hierarchical <c>id/version/id.version.nupkg</c> (what
/// <c>nuget add</c> writes, and the shape of the global packages folder, whose <c>.nupkg.sha512</c> beside each package
/// is used as the source's hash) or flat <c>id.version.nupkg</c>. Names match without regard to case.
/// </summary>
internal sealed class LocalPackageFolder : PackageSource
{
    private readonly string _root;

    public LocalPackageFolder(string root) => _root = root;

    public override string Location => _root;

    /// <summary>The package's file in this folder, or null.</summary>
    public string? Find(RuntimePackage package)
    {
        var id = package.Id.ToLowerInvariant();
        var version = package.Version.ToLowerInvariant();
        var hierarchical = ChildIgnoringCase(ChildIgnoringCase(_root, id, directory: true), version, directory: true);
        if (hierarchical is not null && ChildIgnoringCase(hierarchical, package.FileName, directory: false) is { } nested) return nested;
        return ChildIgnoringCase(_root, package.FileName, directory: false);
    }

    public override Task<FetchedPackage> FetchAsync(RuntimePackage package, string downloadFolder, Action<long, long?>? progress, CancellationToken ct)
    {
        var path = Find(package) ?? throw new BertNerException(BertNerErrorKind.ObjectNotFound,
            $"The folder '{_root}' has no {package.FileName} (looked for {package.Id.ToLowerInvariant()}/{package.Version.ToLowerInvariant()}/{package.FileName} and {package.FileName}).", _root);
        var sidecar = path + ".sha512";
        string? hash = File.Exists(sidecar) ? File.ReadAllText(sidecar).Trim() : null;
        var size = new FileInfo(path).Length;
        progress?.Invoke(size, size);
        return Task.FromResult(new FetchedPackage(path, hash, hash is null ? "" : $"'{sidecar}'"));
    }

    private static string? ChildIgnoringCase(string? folder, string name, bool directory)
    {
        if (folder is null || !Directory.Exists(folder)) return null;
        var exact = Path.Combine(folder, name);
        if (directory ? Directory.Exists(exact) : File.Exists(exact)) return exact;
        var found = (directory ? Directory.EnumerateDirectories(folder) : Directory.EnumerateFiles(folder))
            .FirstOrDefault(p => string.Equals(Path.GetFileName(p), name, StringComparison.OrdinalIgnoreCase));
        return found;
    }
}
