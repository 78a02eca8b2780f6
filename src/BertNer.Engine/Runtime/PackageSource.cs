namespace BertNer.Runtime;

/// <summary>A .nupkg on local disk, and the SHA512 its source vouches for (null when the source gives none).</summary>
/// <param name="HashOrigin">Where <paramref name="SourceSha512"/> came from, for messages.</param>
internal sealed record FetchedPackage(string Path, string? SourceSha512, string HashOrigin);

/// <summary>Where runtime packages come from: a NuGet v3 feed (an <c>index.json</c> URL) or a local folder of .nupkg files.</summary>
internal abstract class PackageSource : IDisposable
{
    /// <summary>nuget.org's service index, the default source.</summary>
    public const string NuGetOrg = "https://api.nuget.org/v3/index.json";

    /// <summary>The source as the user gave it (a URL or a folder path).</summary>
    public abstract string Location { get; }

    /// <summary>
    /// Brings <paramref name="package"/> to local disk (a feed downloads it into <paramref name="downloadFolder"/>; a
    /// folder is read where it is), reporting bytes done and the total when known.
    /// </summary>
    public abstract Task<FetchedPackage> FetchAsync(RuntimePackage package, string downloadFolder, Action<long, long?>? progress, CancellationToken ct);

    /// <summary>An http(s) URL is a NuGet v3 feed; anything else must be an existing folder.</summary>
    public static PackageSource Open(string source, TimeSpan? timeout = null)
    {
        if (Uri.TryCreate(source, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
            return new NuGetFeedSource(uri, timeout ?? TimeSpan.FromSeconds(30));
        var folder = uri is { IsFile: true } ? uri.LocalPath : source;
        if (!Directory.Exists(folder))
            throw new BertNerException(BertNerErrorKind.ObjectNotFound,
                $"The runtime source '{source}' is neither an http(s) URL of a NuGet v3 feed (…/index.json) nor an existing folder.", "Source");
        return new LocalPackageFolder(Path.GetFullPath(folder));
    }

    public virtual void Dispose() { }
}
