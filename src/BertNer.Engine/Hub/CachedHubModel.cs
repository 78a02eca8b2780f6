namespace BertNer.Hub;

/// <summary>A model repository present in the huggingface_hub cache (downloaded by BertNer or by Python).</summary>
/// <param name="Id">The hub id, <c>name</c> or <c>organization/name</c>.</param>
/// <param name="Folder">Its <c>models--{org}--{name}</c> folder.</param>
public sealed record CachedHubModel(string Id, string Folder)
{
    private const string Prefix = "models--";

    /// <summary>
    /// The model repositories in <paramref name="cacheFolder"/> that hold at least one snapshot, by id.
    /// Folders whose name is not a valid model id are left out; a missing or unreadable cache lists nothing.
    /// </summary>
    public static IReadOnlyList<CachedHubModel> List(string cacheFolder)
    {
        var found = new List<CachedHubModel>();
        try
        {
            if (!Directory.Exists(cacheFolder)) return found;
            foreach (var folder in Directory.EnumerateDirectories(cacheFolder, Prefix + "*"))
            {
                // Ids never contain "--" (HubModelId forbids it), so the folder name splits back unambiguously.
                var id = Path.GetFileName(folder)[Prefix.Length..].Replace("--", "/", StringComparison.Ordinal);
                if (!HubModelId.IsValidId(id)) continue;
                var snapshots = Path.Combine(folder, "snapshots");
                if (Directory.Exists(snapshots) && Directory.EnumerateDirectories(snapshots).Any())
                    found.Add(new CachedHubModel(id, folder));
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // an unreadable cache has nothing to offer; listing is never worth an error
        }
        found.Sort((a, b) => string.Compare(a.Id, b.Id, StringComparison.OrdinalIgnoreCase));
        return found;
    }

    /// <summary>
    /// The hub id of a snapshot folder in the cache layout (<c>…/models--{org}--{name}/snapshots/{commit}</c>), or null
    /// for any other folder. Looks at the path only, so it works for any cache location (HF_HUB_CACHE, Python's).
    /// </summary>
    public static string? IdOfSnapshot(string folder)
    {
        var commit = Path.GetFileName(Path.TrimEndingDirectorySeparator(folder));
        var snapshots = Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(folder));
        if (string.IsNullOrEmpty(commit) || snapshots is null || Path.GetFileName(snapshots) != "snapshots") return null;
        var repo = Path.GetFileName(Path.GetDirectoryName(snapshots));
        if (repo is null || !repo.StartsWith(Prefix, StringComparison.Ordinal)) return null;
        var id = repo[Prefix.Length..].Replace("--", "/", StringComparison.Ordinal);
        return HubModelId.IsValidId(id) ? id : null;
    }
}
