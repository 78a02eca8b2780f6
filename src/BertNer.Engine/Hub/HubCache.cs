using BertNer.IO;

namespace BertNer.Hub;

/// <summary>
/// One repository's folder in the huggingface_hub cache layout, shared with Python:
/// <code>
/// {cache}/models--{org}--{name}/blobs/{etag}              file contents, named by ETag (sha256 for LFS files)
///                              /snapshots/{commit}/{file}   symlink to ../../blobs/{etag} (or a copy)
///                              /refs/{revision}             the commit hash the revision pointed at
///                              /.no_exist/{commit}/{file}   empty: the hub said this file does not exist
/// {cache}/.locks/models--{org}--{name}/{etag}.lock          held while a blob is being downloaded
/// </code>
/// Every path is built through <see cref="RepoFileName.Join"/>, so no name can lead outside the repository folder.
/// </summary>
internal sealed class HubCache
{
    public string Root { get; }
    public string RepoFolder { get; }
    public HubModelId Model { get; }

    public HubCache(string root, HubModelId model)
    {
        if (string.IsNullOrWhiteSpace(root))
            throw new BertNerException(BertNerErrorKind.InvalidArgument, "The Hugging Face cache folder is empty; set HF_HUB_CACHE or HF_HOME.", "CacheFolder");
        Root = Path.GetFullPath(root);
        Model = model;
        RepoFolder = RepoFileName.Join(Root, model.CacheFolderName);
    }

    public string SnapshotFolder(string commit) => RepoFileName.Join(RepoFolder, "snapshots/" + CheckedCommit(commit));
    public string SnapshotFile(string commit, string file) => RepoFileName.Join(SnapshotFolder(commit), file);
    public string BlobPath(string etag) => RepoFileName.Join(RepoFolder, "blobs/" + CheckedEtag(etag));
    public string IncompletePath(string etag) => BlobPath(etag) + ".incomplete";
    public string LockPath(string etag) => RepoFileName.Join(Root, $".locks/{Model.CacheFolderName}/{CheckedEtag(etag)}.lock");
    private string RefPath(string revision) => RepoFileName.Join(RepoFolder, "refs/" + revision);
    private string NoExistPath(string commit, string file) => RepoFileName.Join(RepoFolder, $".no_exist/{CheckedCommit(commit)}/{file}");

    /// <summary>The commit <c>refs/{revision}</c> names, or null when there is no such ref.</summary>
    public string? ReadRef(string revision)
    {
        var path = RefPath(revision);
        if (!File.Exists(path)) return null;
        var commit = File.ReadAllText(path).Trim();
        if (!HubModelId.IsCommitHash(commit))
            throw new BertNerException(BertNerErrorKind.InvalidData,
                $"The cache file '{path}' should hold a 40-character commit hash but holds '{Shorten(commit)}'. Delete it; it is rewritten on the next online download.", path);
        return commit;
    }

    /// <summary>Points <c>refs/{revision}</c> at <paramref name="commit"/> (no trailing newline, as huggingface_hub writes it).</summary>
    public void WriteRef(string revision, string commit)
    {
        CheckedCommit(commit);
        var path = RefPath(revision);
        if (File.Exists(path) && File.ReadAllText(path).Trim() == commit) return;
        AtomicFile.WriteAllText(path, commit);
    }

    /// <summary>True when the snapshot has <paramref name="file"/> and, for a symlink, its blob still exists.</summary>
    public bool HasFile(string commit, string file) => Length(SnapshotFile(commit, file)) >= 0;

    /// <summary>The file's size through any symlink, or -1 when it (or its blob) is missing.</summary>
    public static long Length(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists) return -1;
        if (info.LinkTarget is null) return info.Length;
        return info.ResolveLinkTarget(returnFinalTarget: true) is FileInfo { Exists: true } target ? target.Length : -1;
    }

    public bool HasBlob(string etag) => File.Exists(BlobPath(etag));

    /// <summary>True when an earlier online call learned that <paramref name="file"/> does not exist at <paramref name="commit"/>.</summary>
    public bool IsKnownMissing(string commit, string file) => File.Exists(NoExistPath(commit, file));

    public void MarkMissing(string commit, string file)
    {
        var path = NoExistPath(commit, file);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using (File.Open(path, FileMode.OpenOrCreate, FileAccess.Write)) { }
    }

    /// <summary>
    /// Makes <c>snapshots/{commit}/{file}</c> show the blob: a relative symlink, as huggingface_hub makes it, or a copy
    /// when symlinks are off or the file system refuses them. Replaced atomically (temporary name, then rename).
    /// </summary>
    public void Link(string commit, string file, string etag, bool useSymlinks)
    {
        var blob = BlobPath(etag);
        var target = SnapshotFile(commit, file);
        var folder = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(folder);
        if (useSymlinks)
        {
            var tmp = Path.Combine(folder, $".{Path.GetFileName(target)}.{Environment.ProcessId}.{Guid.NewGuid():N}.link");
            try
            {
                File.CreateSymbolicLink(tmp, Path.GetRelativePath(folder, blob));
                File.Move(tmp, target, overwrite: true);
                return;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
            {
                // e.g. Windows without developer mode, or a FAT/network share: fall back to a copy
                try { File.Delete(tmp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            }
        }
        AtomicFile.Write(target, fs =>
        {
            using var source = new FileStream(blob, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
            source.CopyTo(fs);
        });
    }

    private static string CheckedCommit(string commit) =>
        HubModelId.IsCommitHash(commit) ? commit
            : throw new BertNerException(BertNerErrorKind.InvalidData, $"'{Shorten(commit)}' is not a 40-character commit hash; refusing to use it as a cache folder name.", commit);

    private static string CheckedEtag(string etag) =>
        RepoFileName.IsSafeBlobName(etag) ? etag
            : throw new BertNerException(BertNerErrorKind.InvalidData,
                $"The hub sent the ETag '{Shorten(etag)}', which cannot name a cache file (letters, digits, '.', '_', '-' only). Is HF_ENDPOINT a Hugging Face Hub?", etag);

    private static string Shorten(string s) => s.Length <= 80 ? s : s[..80] + "…";
}
