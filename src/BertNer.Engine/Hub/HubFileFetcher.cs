namespace BertNer.Hub;

/// <summary>
/// A snapshot's files topped up from the hub: a file already in the snapshot, or known not to exist, costs no
/// request; otherwise one HEAD (metadata), then the blob is downloaded unless another commit already brought it,
/// and linked into the snapshot. A 404 for a file is remembered in <c>.no_exist</c>, as huggingface_hub does.
/// </summary>
internal sealed class HubFileFetcher : ISnapshotFileSource
{
    private readonly HubHttp _http;
    private readonly HubCache _cache;
    private readonly HubOptions _options;
    private readonly BlobDownloader _blobs;
    private readonly Dictionary<string, HubFileMetadata> _known = new(StringComparer.Ordinal);
    private string? _commit;

    public HubFileFetcher(HubHttp http, HubCache cache, HubOptions options, IProgress<HubDownloadProgress>? progress)
    {
        _http = http; _cache = cache; _options = options;
        _blobs = new BlobDownloader(http, cache, options, progress);
    }

    private HubModelId Model => _cache.Model;
    private string Commit => _commit ?? throw new InvalidOperationException("The commit has not been resolved yet.");

    public long BytesTransferred => _blobs.BytesTransferred;

    /// <summary>
    /// Learns which commit the revision is at with one HEAD on config.json (whose metadata is kept for its download).
    /// A <see cref="TransientHubException"/> escapes after <paramref name="attempts"/>, so the caller may fall back to the cache.
    /// </summary>
    public async Task<string> ResolveCommitAsync(int? attempts, CancellationToken ct)
    {
        const string probe = "config.json";
        var meta = await HeadAsync(Model.Revision, probe, attempts, ct).ConfigureAwait(false);
        if (meta is null)
            throw new BertNerException(BertNerErrorKind.ObjectNotFound,
                $"'{Model}' on {_options.Endpoint} has no config.json, so it is not a Transformers model BertNer can load. Check the id and revision.", Model.ToString());
        _known[probe] = meta;
        return meta.Commit;
    }

    /// <summary>Fixes the commit every further file is fetched at (resolve/{commit}/…), so a branch moving meanwhile cannot mix snapshots.</summary>
    public void UseCommit(string commit) => _commit = commit;

    public bool IsCached(string file) => _cache.HasFile(Commit, file);

    public string PathOf(string file) => _cache.SnapshotFile(Commit, file);

    public async Task<SnapshotFileState> EnsureAsync(string file, CancellationToken ct)
    {
        if (_cache.HasFile(Commit, file)) return SnapshotFileState.Present;
        if (_cache.IsKnownMissing(Commit, file)) return SnapshotFileState.Absent;
        HubFileMetadata? meta;
        if (!_known.TryGetValue(file, out meta))
        {
            try { meta = await HeadAsync(Commit, file, attempts: null, ct).ConfigureAwait(false); }
            catch (TransientHubException e) { throw HubErrors.Unavailable(e, Model, file, _options); }
        }
        if (meta is null)
        {
            _cache.MarkMissing(Commit, file);
            return SnapshotFileState.Absent;
        }
        var source = meta.Location ?? _http.ResolveUrl(Model, Commit, file);
        await _blobs.DownloadAsync(file, source, meta, ct).ConfigureAwait(false);
        _cache.Link(Commit, file, meta.Etag, _options.UseSymlinks);
        return SnapshotFileState.Present;
    }

    /// <summary>HEAD on the file at <paramref name="revision"/>; null when the repository has no such file.</summary>
    private Task<HubFileMetadata?> HeadAsync(string revision, string file, int? attempts, CancellationToken ct)
    {
        var url = _http.ResolveUrl(Model, revision, file);
        return _options.Retry.RunAsync(async () =>
        {
            // An LFS file answers with a 302 to the CDN that already carries the metadata: stop there.
            using var response = await _http.SendAsync(HttpMethod.Head, url, 0, r => r.Headers.Contains("X-Linked-Etag"), ct).ConfigureAwait(false);
            if (HubErrors.IsEntryNotFound(response)) return null;
            if (!HubHttp.IsRedirect(response.StatusCode) && HubErrors.ForStatus(response, Model, file, _options) is { } error) throw error;
            return ReadMetadata(response, file);
        }, ct, attempts);
    }

    private HubFileMetadata ReadMetadata(HttpResponseMessage r, string file)
    {
        string? Header(string name) => r.Headers.NonValidated.TryGetValues(name, out var v) ? v.FirstOrDefault()?.Trim() : null;

        var commit = Header("X-Repo-Commit") ?? throw HubErrors.NotAHub(Model, file, _options, "X-Repo-Commit");
        if (!HubModelId.IsCommitHash(commit))
            throw new BertNerException(BertNerErrorKind.ResourceUnavailable,
                $"{_options.Endpoint} named the commit of '{Model}' '{Shorten(commit)}', which is not a 40-character hash. Is HF_ENDPOINT a Hugging Face Hub?", _options.Endpoint);
        var rawEtag = Header("X-Linked-Etag") ?? Header("ETag") ?? throw HubErrors.NotAHub(Model, file, _options, "ETag");
        var etag = HubFileMetadata.NormalizeEtag(rawEtag);
        if (!RepoFileName.IsSafeBlobName(etag))
            throw new BertNerException(BertNerErrorKind.ResourceUnavailable,
                $"{_options.Endpoint} sent the ETag '{Shorten(etag)}' for '{file}' of '{Model}', which cannot name a cache file (letters, digits, '.', '_', '-' only). Is HF_ENDPOINT a Hugging Face Hub?", _options.Endpoint);
        long? size = long.TryParse(Header("X-Linked-Size"), out var linked) ? linked : r.Content.Headers.ContentLength;
        Uri? location = HubHttp.IsRedirect(r.StatusCode) ? HubHttp.RedirectTarget(r, r.RequestMessage?.RequestUri ?? _http.Endpoint) : null;
        return new HubFileMetadata(commit, etag, size, location);
    }

    private static string Shorten(string s) => s.Length <= 80 ? s : s[..80] + "…";
}
