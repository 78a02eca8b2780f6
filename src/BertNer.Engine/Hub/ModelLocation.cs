using BertNer.Hub;

namespace BertNer.Hub;

/// <summary>Where a <c>-Model</c> argument led: a local folder, and the hub snapshot when it came from the hub.</summary>
public sealed class ModelLocation
{
    public string Path { get; }

    /// <summary>The cache snapshot (id, revision, commit, files), or null for a folder given directly.</summary>
    public HubSnapshot? Snapshot { get; }

    public IReadOnlyList<string> Warnings => Snapshot?.Warnings ?? Array.Empty<string>();

    public ModelLocation(string path, HubSnapshot? snapshot)
    {
        Path = path;
        Snapshot = snapshot;
    }

    public ModelLocation(HubSnapshot snapshot) : this(snapshot.Path, snapshot) { }
}
