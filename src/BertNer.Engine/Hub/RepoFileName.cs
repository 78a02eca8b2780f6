namespace BertNer.Hub;

/// <summary>
/// Checks a file name that came from outside (a shard named in <c>*.index.json</c>, an ETag used as a blob name)
/// before it is joined to a cache path: relative, forward slashes only, no <c>.</c>/<c>..</c> segments.
/// </summary>
internal static class RepoFileName
{
    /// <summary>Null when <paramref name="name"/> is a safe relative file name inside a repository, else why not.</summary>
    public static string? Problem(string name)
    {
        if (string.IsNullOrEmpty(name)) return "it is empty";
        if (name.Length > 512) return "it is longer than 512 characters";
        if (name.Contains('\\')) return "it contains a backslash";
        if (name.Contains(':')) return "it contains ':' (a drive or stream name)";
        if (name.StartsWith('/')) return "it is an absolute path";
        if (name.Any(char.IsControl)) return "it contains control characters";
        foreach (var segment in name.Split('/'))
        {
            if (segment.Length == 0) return "it has an empty path segment ('//' or a trailing '/')";
            if (segment is "." or "..") return $"it has a '{segment}' segment";
        }
        return null;
    }

    /// <summary>A cache blob name (an ETag): one segment of letters, digits, '.', '_', '-'.</summary>
    public static bool IsSafeBlobName(string etag) =>
        etag.Length is > 0 and <= 128 && char.IsAsciiLetterOrDigit(etag[0]) && !etag.Contains("..", StringComparison.Ordinal)
        && etag.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    /// <summary>Joins <paramref name="relative"/> to <paramref name="folder"/> and proves the result stays inside it.</summary>
    public static string Join(string folder, string relative)
    {
        var root = Path.GetFullPath(folder).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        var full = Path.GetFullPath(Path.Combine(root, relative.Replace('/', Path.DirectorySeparatorChar)));
        if (!full.StartsWith(root, StringComparison.Ordinal))
            throw new BertNerException(BertNerErrorKind.InvalidData,
                $"Refusing the file name '{relative}': it would resolve to '{full}', outside '{root}'.", relative);
        return full;
    }
}
