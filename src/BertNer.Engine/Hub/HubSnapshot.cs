namespace BertNer.Hub;

/// <summary>A model revision as it sits in the local Hugging Face cache: a folder any BertNer cmdlet (or Transformers) can load.</summary>
public sealed class HubSnapshot
{
    /// <summary>The model id, e.g. <c>dslim/bert-base-NER</c>.</summary>
    public string Name { get; }

    /// <summary>The revision asked for (branch, tag or commit).</summary>
    public string Revision { get; }

    /// <summary>The commit hash the revision resolved to.</summary>
    public string Commit { get; }

    /// <summary>The snapshot folder, <c>{cache}/models--{org}--{name}/snapshots/{commit}</c>.</summary>
    public string Path { get; }

    /// <summary>The model's files in that folder (relative names).</summary>
    public IReadOnlyList<string> Files { get; }

    /// <summary>Their total size.</summary>
    public long Bytes { get; }

    /// <summary>Bytes this call received over the network (0 when everything was cached).</summary>
    public long DownloadedBytes { get; }

    /// <summary>Things the caller should tell the user, e.g. that the hub was unreachable and the cached commit was used.</summary>
    public IReadOnlyList<string> Warnings { get; }

    public HubSnapshot(string name, string revision, string commit, string path, IReadOnlyList<string> files, long bytes,
        long downloadedBytes, IReadOnlyList<string> warnings)
    {
        Name = name; Revision = revision; Commit = commit; Path = path; Files = files; Bytes = bytes;
        DownloadedBytes = downloadedBytes; Warnings = warnings;
    }

    public override string ToString() => $"{Name}@{Revision} ({Commit[..Math.Min(12, Commit.Length)]}) at {Path}";
}
