namespace BertNer.Hub;

/// <summary>A snapshot's files as the cache alone knows them: no request is ever made.</summary>
internal sealed class CacheOnlyFileSource : ISnapshotFileSource
{
    private readonly HubCache _cache;
    private readonly string _commit;

    public CacheOnlyFileSource(HubCache cache, string commit)
    {
        _cache = cache;
        _commit = commit;
    }

    public bool IsCached(string file) => _cache.HasFile(_commit, file);

    public Task<SnapshotFileState> EnsureAsync(string file, CancellationToken ct) => Task.FromResult(
        _cache.HasFile(_commit, file) ? SnapshotFileState.Present
        : _cache.IsKnownMissing(_commit, file) ? SnapshotFileState.Absent
        : SnapshotFileState.Unknown);

    public string PathOf(string file) => _cache.SnapshotFile(_commit, file);
}
