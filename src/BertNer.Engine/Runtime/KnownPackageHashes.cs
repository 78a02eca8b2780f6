using System.Reflection;

namespace BertNer.Runtime;

/// <summary>
/// The SHA512 of each runtime package, embedded at build time from the global packages folder's
/// <c>.nupkg.sha512</c> files (RuntimePackageHashes.targets). nuget.org's catalog carries the same hash, but mirrors
/// often serve only the packages themselves; with the hash built in, a mirror can still be checked.
/// </summary>
public static class KnownPackageHashes
{
    internal const string Prefix = "BertNer.PackageSha512:";

    private static readonly Lazy<IReadOnlyDictionary<string, string>> All = new(() =>
        typeof(KnownPackageHashes).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Where(a => a.Key.StartsWith(Prefix, StringComparison.Ordinal) && !string.IsNullOrWhiteSpace(a.Value))
            .ToDictionary(a => a.Key[Prefix.Length..].ToLowerInvariant(), a => a.Value!.Trim()));

    /// <summary>The base64 SHA512 of <paramref name="id"/> <paramref name="version"/>'s .nupkg, or null when the build did not have it.</summary>
    public static string? Get(string id, string version) =>
        All.Value.TryGetValue($"{id}/{version}".ToLowerInvariant(), out var hash) ? hash : null;

    public static IReadOnlyDictionary<string, string> Entries => All.Value;
}
