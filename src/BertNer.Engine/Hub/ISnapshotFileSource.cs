namespace BertNer.Hub;

/// <summary>What is known about one file of a snapshot.</summary>
internal enum SnapshotFileState
{
    /// <summary>In the snapshot folder (now).</summary>
    Present,
    /// <summary>The hub said the repository has no such file at this commit.</summary>
    Absent,
    /// <summary>Not in the cache and nothing known about it (only a cache-only source answers this).</summary>
    Unknown,
}

/// <summary>
/// Where <see cref="PretrainedFiles"/> gets a snapshot's files from: the cache alone (offline, or to check whether a
/// call needs the network at all) or the cache topped up from the hub.
/// </summary>
internal interface ISnapshotFileSource
{
    /// <summary>True when the file is already in the snapshot folder; never makes a request.</summary>
    bool IsCached(string file);

    /// <summary>Makes the file present if it can (a download, for an online source) and says what became of it.</summary>
    Task<SnapshotFileState> EnsureAsync(string file, CancellationToken ct);

    /// <summary>The file's path in the snapshot folder.</summary>
    string PathOf(string file);
}
