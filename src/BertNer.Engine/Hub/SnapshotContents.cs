namespace BertNer.Hub;

/// <summary>What <see cref="PretrainedFiles"/> found for one snapshot, and what it did not.</summary>
internal sealed class SnapshotContents
{
    /// <summary>Files present in the snapshot folder, in the order they were asked for.</summary>
    public List<string> Files { get; } = new();

    /// <summary>Needed files the cache does not have (cache-only source).</summary>
    public List<string> Missing { get; } = new();

    /// <summary>Needed files the hub says the repository does not have.</summary>
    public List<string> Absent { get; } = new();

    /// <summary>Optional files neither cached nor known to be absent: an online call has to ask for them.</summary>
    public List<string> Unknown { get; } = new();

    /// <summary>The weights file (or shard index) chosen, if any.</summary>
    public string? Weights { get; set; }

    /// <summary>Everything is known without asking the hub: a call needs no request for files.</summary>
    public bool IsComplete => IsUsable && Unknown.Count == 0;

    /// <summary>Enough to load the model (offline mode accepts this).</summary>
    public bool IsUsable => Missing.Count == 0 && Absent.Count == 0 && Weights is not null;
}
