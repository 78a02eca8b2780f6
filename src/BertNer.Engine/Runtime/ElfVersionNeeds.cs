using System.Buffers.Binary;
using System.Text;

namespace BertNer.Runtime;

/// <summary>How an ELF library asks for a symbol version of another library.</summary>
public enum ElfVersionNeed
{
    /// <summary>The library does not ask for the version.</summary>
    NotRequired,
    /// <summary>It asks, and the loader refuses the library when the version is missing.</summary>
    Required,
    /// <summary>It asks, but weakly: the loader only warns (in debug output) when the version is missing.</summary>
    Weak,
}

/// <summary>
/// Reads and weakens the symbol-version requirements (<c>.gnu.version_r</c>, Vernaux entries) of a 64-bit
/// little-endian ELF library. TorchSharp 0.107's libLibTorchSharp.so was built with GCC 13 and asks for
/// GLIBCXX_3.4.32, whose only symbol is a marker nothing relocates; Debian 12's libstdc++ stops at 3.4.30. Marking
/// the requirement weak (VER_FLG_WEAK) lets the loader accept that libstdc++ (docs/design.md, "libstdc++:
/// GLIBCXX_3.4.32"). The same logic as src/Build/ElfVersionPatch.ps1, which patches developer builds.
/// </summary>
public static class ElfVersionNeeds
{
    public const string TorchSharpNeed = "GLIBCXX_3.4.32";
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlgWeak = 0x2;

    /// <summary>How <paramref name="path"/> asks for <paramref name="version"/>.</summary>
    public static ElfVersionNeed Read(string path, string version = TorchSharpNeed)
    {
        var bytes = File.ReadAllBytes(path);
        if (Find(bytes, path, version) is not int at) return ElfVersionNeed.NotRequired;
        return (BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(at)) & VerFlgWeak) != 0 ? ElfVersionNeed.Weak : ElfVersionNeed.Required;
    }

    /// <summary>Marks the requirement weak in place (two bytes). Returns what it found before. Only for files BertNer wrote.</summary>
    public static ElfVersionNeed MakeWeak(string path, string version = TorchSharpNeed)
    {
        var bytes = File.ReadAllBytes(path);
        if (Find(bytes, path, version) is not int at) return ElfVersionNeed.NotRequired;
        var flags = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(at));
        if ((flags & VerFlgWeak) != 0) return ElfVersionNeed.Weak;
        Span<byte> patched = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(patched, (ushort)(flags | VerFlgWeak));
        using (var fs = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.None))
        {
            fs.Position = at;
            fs.Write(patched);
            fs.Flush(flushToDisk: true);
        }
        return ElfVersionNeed.Required;
    }

    /// <summary>
    /// Whether the libstdc++ this process uses (the one .NET itself loaded, else the usual system paths) defines
    /// <paramref name="version"/>; true off Linux, where the question does not arise.
    /// </summary>
    public static bool SystemLibStdCxxHas(string version = TorchSharpNeed)
    {
        if (!OperatingSystem.IsLinux()) return true;
        var lib = LoadedLibStdCxx() ?? new[]
        {
            "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6",
            "/usr/lib/aarch64-linux-gnu/libstdc++.so.6", "/usr/lib/libstdc++.so.6",
        }.FirstOrDefault(File.Exists);
        if (lib is null) return false;
        var needle = Encoding.ASCII.GetBytes(version + "\0");
        return File.ReadAllBytes(lib).AsSpan().IndexOf(needle) >= 0;
    }

    private static string? LoadedLibStdCxx()
    {
        try
        {
            return File.ReadLines("/proc/self/maps").Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .Where(f => f.Length >= 6 && Path.GetFileName(f[5]).StartsWith("libstdc++.so", StringComparison.Ordinal))
                .Select(f => f[5]).FirstOrDefault(File.Exists);
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    /// <summary>The file offset of the vna_flags field of the Vernaux entry named <paramref name="version"/>, or null.</summary>
    private static int? Find(byte[] b, string path, string version)
    {
        if (b.Length < 64 || b[0] != 0x7F || b[1] != (byte)'E' || b[2] != (byte)'L' || b[3] != (byte)'F')
            throw new BertNerException(BertNerErrorKind.InvalidData, $"'{path}' is not an ELF file.", path);
        if (b[4] != 2 || b[5] != 1)
            throw new BertNerException(BertNerErrorKind.InvalidData, $"'{path}' is not a 64-bit little-endian ELF file.", path);
        try
        {
            var s = b.AsSpan();
            var shoff = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(s[0x28..]));
            int shentsize = BinaryPrimitives.ReadUInt16LittleEndian(s[0x3A..]);
            int shnum = BinaryPrimitives.ReadUInt16LittleEndian(s[0x3C..]);
            for (int i = 0; i < shnum; i++)
            {
                var sh = shoff + i * shentsize;
                if (BinaryPrimitives.ReadUInt32LittleEndian(s[(sh + 4)..]) != ShtGnuVerneed) continue;
                var off = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(s[(sh + 0x18)..]));
                var link = (int)BinaryPrimitives.ReadUInt32LittleEndian(s[(sh + 0x28)..]);
                var count = BinaryPrimitives.ReadUInt32LittleEndian(s[(sh + 0x2C)..]);
                var strOff = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(s[(shoff + link * shentsize + 0x18)..]));
                var vn = off;
                for (uint n = 0; n < count; n++)
                {
                    int auxCount = BinaryPrimitives.ReadUInt16LittleEndian(s[(vn + 2)..]);
                    var aux = vn + (int)BinaryPrimitives.ReadUInt32LittleEndian(s[(vn + 8)..]);
                    for (int a = 0; a < auxCount; a++)
                    {
                        var nameAt = strOff + (int)BinaryPrimitives.ReadUInt32LittleEndian(s[(aux + 8)..]);
                        var end = s[nameAt..].IndexOf((byte)0);
                        if (Encoding.ASCII.GetString(s.Slice(nameAt, end)) == version) return aux + 4;
                        aux += (int)BinaryPrimitives.ReadUInt32LittleEndian(s[(aux + 12)..]);
                    }
                    vn += (int)BinaryPrimitives.ReadUInt32LittleEndian(s[(vn + 12)..]);
                }
            }
            return null;
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or OverflowException or IndexOutOfRangeException)
        {
            throw new BertNerException(BertNerErrorKind.InvalidData, $"'{path}' has a damaged ELF header or version section.", path, e);
        }
    }
}
