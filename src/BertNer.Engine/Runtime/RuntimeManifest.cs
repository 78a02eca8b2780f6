using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using BertNer.IO;

namespace BertNer.Runtime;

/// <summary>One file of an installed runtime as the installer wrote it.</summary>
public sealed record RuntimeFileEntry(string Name, long Size, string Sha256, DateTime WrittenUtc);

/// <summary>
/// <c>bertner-runtime.json</c>, written last into an installed runtime's folder: what it is, where it came from, and
/// the size and SHA-256 of every file. A folder without it, or whose files disagree with it, is damaged (an install
/// that was killed, a disk error, a hand edit) and is reinstalled, never loaded.
/// </summary>
public sealed record RuntimeManifest
{
    public const string FileName = "bertner-runtime.json";
    public int Format { get; init; } = 1;
    public required string Runtime { get; init; }
    public required string Version { get; init; }
    public required string Backend { get; init; }
    public required string Platform { get; init; }
    public required string Source { get; init; }
    public required IReadOnlyList<string> Packages { get; init; }
    public required IReadOnlyList<RuntimeFileEntry> Files { get; init; }
    /// <summary>Files whose GLIBCXX_3.4.32 requirement was made weak for this system's libstdc++.</summary>
    public IReadOnlyList<string> Patched { get; init; } = Array.Empty<string>();
    public DateTime InstalledUtc { get; init; }

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.Never };

    public static RuntimeFileEntry Describe(string path)
    {
        var info = new FileInfo(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        return new RuntimeFileEntry(info.Name, info.Length, Convert.ToHexString(SHA256.HashData(stream)).ToLowerInvariant(), info.LastWriteTimeUtc);
    }

    public void Write(string folder) => AtomicFile.WriteAllText(Path.Combine(folder, FileName), JsonSerializer.Serialize(this, Json));

    /// <summary>The manifest of <paramref name="folder"/>, or null with the reason when there is none or it cannot be read.</summary>
    public static RuntimeManifest? Read(string folder, out string? problem)
    {
        var path = Path.Combine(folder, FileName);
        problem = null;
        if (!File.Exists(path)) { problem = $"'{folder}' has no {FileName} (an install that did not finish, or not a BertNer runtime folder)"; return null; }
        try
        {
            var m = JsonSerializer.Deserialize<RuntimeManifest>(File.ReadAllText(path), Json);
            if (m is null || m.Files is null || m.Files.Count == 0) { problem = $"'{path}' lists no files"; return null; }
            return m;
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException or NotSupportedException)
        {
            problem = $"'{path}' cannot be read ({e.Message})";
            return null;
        }
    }

    /// <summary>
    /// Null when every listed file is there with its size, else what is wrong. A file whose write time differs from the
    /// install's (a copied folder, or a changed file) is hashed; with <paramref name="hashAll"/> every file is.
    /// </summary>
    public string? Check(string folder, bool hashAll)
    {
        foreach (var f in Files)
        {
            var path = Path.Combine(folder, f.Name);
            var info = new FileInfo(path);
            if (!info.Exists) return $"'{path}' is missing";
            if (info.Length != f.Size) return $"'{path}' has {info.Length} bytes, the install wrote {f.Size}";
            if (!hashAll && info.LastWriteTimeUtc == f.WrittenUtc) continue;
            if (Describe(path).Sha256 != f.Sha256) return $"'{path}' has changed since it was installed (its SHA-256 differs)";
        }
        return null;
    }
}
