namespace BertNer.Hub;

/// <summary>
/// Turns <c>id[@revision]</c> into a snapshot folder in the shared Hugging Face cache, downloading what is missing.
/// <list type="bullet">
/// <item>Offline (HF_HUB_OFFLINE=1): the cache only; a clear error names the missing piece.</item>
/// <item>A commit-hash revision whose snapshot is complete: no request.</item>
/// <item>A branch or tag: one HEAD (config.json) learns its commit, unless <see cref="HubOptions.CheckForUpdates"/> is
/// off and the cache already has a complete snapshot for it (then no request). Files already in that commit's snapshot
/// are never requested again; the rest are fetched at that exact commit.</item>
/// <item>The hub unreachable (after one try) while the cache can serve the model: the cached commit, with a warning.</item>
/// </list>
/// </summary>
public sealed class HubSnapshotResolver
{
    private readonly HubOptions _options;

    public HubSnapshotResolver(HubOptions? options = null) => _options = options ?? new HubOptions();

    /// <summary>Resolves <c>id[@revision]</c>, e.g. <c>dslim/bert-base-NER</c> or <c>bert-base-cased@main</c>.</summary>
    public HubSnapshot Resolve(string model, IProgress<HubDownloadProgress>? progress = null, CancellationToken ct = default) =>
        ResolveAsync(HubModelId.Parse(model), progress, ct).GetAwaiter().GetResult();

    public async Task<HubSnapshot> ResolveAsync(HubModelId model, IProgress<HubDownloadProgress>? progress = null, CancellationToken ct = default)
    {
        var cache = new HubCache(_options.CacheFolder, model);
        try
        {
            return await ResolveInAsync(cache, progress, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Network trouble is already a TransientHubException or BertNerException here: this is the file system.
            throw new BertNerException(BertNerErrorKind.WriteError,
                $"The Hugging Face cache at '{cache.Root}' could not be used for '{model}': {e.Message} "
                + "Check that the folder is writable and the disk has room, or set HF_HUB_CACHE to another folder.", cache.Root, e);
        }
    }

    private async Task<HubSnapshot> ResolveInAsync(HubCache cache, IProgress<HubDownloadProgress>? progress, CancellationToken ct)
    {
        var model = cache.Model;
        var cachedCommit = model.RevisionIsCommit ? model.Revision : cache.ReadRef(model.Revision);
        var cached = cachedCommit is null ? null
            : await PretrainedFiles.CollectAsync(new CacheOnlyFileSource(cache, cachedCommit), ct).ConfigureAwait(false);

        if (_options.Offline) return FromCacheOnly(cache, cachedCommit, cached);
        if (cached is { IsComplete: true } && (model.RevisionIsCommit || !_options.CheckForUpdates))
            return Snapshot(cache, cachedCommit!, cached, 0, Array.Empty<string>());

        using var http = new HubHttp(_options);
        var fetcher = new HubFileFetcher(http, cache, _options, progress);
        var commit = model.Revision;
        if (!model.RevisionIsCommit)
        {
            bool cacheCanServe = cached is { IsUsable: true };
            try
            {
                // With a usable cache there is no point waiting through retries for an unreachable hub.
                commit = await fetcher.ResolveCommitAsync(cacheCanServe ? 1 : null, ct).ConfigureAwait(false);
            }
            catch (TransientHubException e) when (cacheCanServe)
            {
                var warning = $"{_options.Endpoint} could not be reached ({_options.Redact(e.Reason)}); using the cached commit "
                    + $"{cachedCommit![..12]} of '{model}', which may be out of date. Set HF_HUB_OFFLINE=1 to skip the check.";
                return Snapshot(cache, cachedCommit, cached!, 0, new[] { warning });
            }
            catch (TransientHubException e)
            {
                throw HubErrors.Unavailable(e, model, "config.json", _options);
            }
            cache.WriteRef(model.Revision, commit);
        }
        fetcher.UseCommit(commit);
        var contents = await PretrainedFiles.CollectAsync(fetcher, ct).ConfigureAwait(false);
        if (contents.Absent.Count > 0) throw NotInRepository(model, commit, contents.Absent[0]);
        if (contents.Weights is null) throw NotInRepository(model, commit, string.Join(", ", PretrainedFiles.Weights));
        return Snapshot(cache, commit, contents, fetcher.BytesTransferred, Array.Empty<string>());
    }

    private HubSnapshot FromCacheOnly(HubCache cache, string? commit, SnapshotContents? contents)
    {
        var model = cache.Model;
        const string offline = "offline mode (HF_HUB_OFFLINE=1 or the Offline option) allows no download. Download the model once while online, or turn offline mode off.";
        if (commit is null || contents is null || !Directory.Exists(cache.SnapshotFolder(commit)))
            throw new BertNerException(BertNerErrorKind.ObjectNotFound,
                $"'{model}' is not in the Hugging Face cache at '{cache.Root}' ("
                + (commit is null ? $"no refs/{model.Revision} in '{cache.RepoFolder}'" : $"no snapshot folder for commit {commit}")
                + $"), and {offline}", model.ToString());
        if (contents.Absent.Count > 0) throw NotInRepository(model, commit, contents.Absent[0]);
        if (!contents.IsUsable)
        {
            var missing = contents.Missing.Count > 0 ? contents.Missing[0]
                : $"the weights ({string.Join(" or ", PretrainedFiles.Weights)})";
            throw new BertNerException(BertNerErrorKind.ObjectNotFound,
                $"'{model}' (commit {commit}) is only partly in the Hugging Face cache: {missing} is missing from '{cache.SnapshotFolder(commit)}', and {offline}",
                model.ToString());
        }
        return Snapshot(cache, commit, contents, 0, Array.Empty<string>());
    }

    private BertNerException NotInRepository(HubModelId model, string commit, string files) =>
        new(BertNerErrorKind.ObjectNotFound,
            $"'{model}' (commit {commit}) on {_options.Endpoint} has no {files}. BertNer needs config.json, vocab.txt (a BERT WordPiece vocabulary) "
            + "and weights (model.safetensors or pytorch_model.bin, possibly sharded): is this a BERT model?", model.ToString());

    private static HubSnapshot Snapshot(HubCache cache, string commit, SnapshotContents contents, long downloaded, IReadOnlyList<string> warnings)
    {
        long bytes = contents.Files.Sum(f => Math.Max(0, HubCache.Length(cache.SnapshotFile(commit, f))));
        return new HubSnapshot(cache.Model.Id, cache.Model.Revision, commit, cache.SnapshotFolder(commit), contents.Files.ToArray(), bytes, downloaded, warnings);
    }
}
