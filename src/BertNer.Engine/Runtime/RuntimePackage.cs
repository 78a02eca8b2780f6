namespace BertNer.Runtime;

/// <summary>
/// One NuGet package a runtime is made from, and the SHA512 (base64, as NuGet writes it to <c>.nupkg.sha512</c>) the
/// package must have. The hash is known when the build found the package in its global packages folder
/// (<see cref="KnownPackageHashes"/>); otherwise the feed's catalog must give one.
/// </summary>
public sealed record RuntimePackage(string Id, string Version)
{
    public string? Sha512 { get; init; }

    /// <summary><c>id.version.nupkg</c>, lower case, as feeds and the global packages folder name it.</summary>
    public string FileName => $"{Id.ToLowerInvariant()}.{Version.ToLowerInvariant()}.nupkg";

    public override string ToString() => $"{Id} {Version}";
}
