namespace BertNer.Hub;

/// <summary>
/// What a HEAD request on <c>{endpoint}/{id}/resolve/{revision}/{file}</c> tells: the commit the revision is at
/// (X-Repo-Commit), the content's ETag (X-Linked-Etag for LFS files: their sha256), the size (X-Linked-Size or
/// Content-Length) and, for LFS files, the CDN URL the hub redirects to.
/// </summary>
internal sealed record HubFileMetadata(string Commit, string Etag, long? Size, Uri? Location)
{
    /// <summary>LFS files are named by their sha256 (64 hex digits), which the download is checked against.</summary>
    public bool EtagIsSha256 => Etag.Length == 64 && Etag.All(char.IsAsciiHexDigitLower);

    /// <summary>Strips the weak prefix and quotes the way huggingface_hub does: <c>W/"abc"</c> → <c>abc</c>.</summary>
    public static string NormalizeEtag(string raw)
    {
        var e = raw.Trim();
        if (e.StartsWith("W/", StringComparison.Ordinal)) e = e[2..];
        return e.Trim('"');
    }
}
