using System.Runtime.InteropServices;

namespace BertNer.Runtime;

/// <summary>
/// A .NET runtime identifier BertNer has native runtimes for (linux-x64, win-x64, osx-arm64), and how that
/// platform names a native library file.
/// </summary>
public sealed record RuntimePlatform
{
    public static readonly IReadOnlyList<string> Supported = new[] { "linux-x64", "win-x64", "osx-arm64" };

    public string Rid { get; }

    private RuntimePlatform(string rid) => Rid = rid;

    public bool IsWindows => Rid.StartsWith("win-", StringComparison.Ordinal);
    public bool IsMacOS => Rid.StartsWith("osx-", StringComparison.Ordinal);
    public bool IsLinux => Rid.StartsWith("linux-", StringComparison.Ordinal);

    /// <summary>The platform this process runs on (its RID may be one BertNer has no runtime for).</summary>
    public static RuntimePlatform Current
    {
        get
        {
            var arch = RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant();
            var os = OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux";
            return new RuntimePlatform($"{os}-{arch}");
        }
    }

    public bool IsSupported => Supported.Contains(Rid);

    /// <summary>Parses linux-x64, win-x64 or osx-arm64 (any case).</summary>
    public static RuntimePlatform Parse(string rid)
    {
        var r = (rid ?? "").Trim().ToLowerInvariant();
        if (!Supported.Contains(r))
            throw new BertNerException(BertNerErrorKind.InvalidArgument,
                $"Unknown platform '{rid}'. Expected one of {string.Join(", ", Supported)}.", "Platform");
        return new RuntimePlatform(r);
    }

    /// <summary>The file a DllImport name means here: torch_cpu → libtorch_cpu.so / libtorch_cpu.dylib / torch_cpu.dll.</summary>
    public IEnumerable<string> LibraryFileNames(string libraryName)
    {
        var name = Path.GetFileName(libraryName);
        var ext = IsWindows ? ".dll" : IsMacOS ? ".dylib" : ".so";
        if (name.EndsWith(ext, StringComparison.OrdinalIgnoreCase) || name.Contains(".so.", StringComparison.Ordinal))
        {
            yield return name;
            yield break;
        }
        if (!IsWindows && !name.StartsWith("lib", StringComparison.Ordinal)) yield return "lib" + name + ext;
        yield return name + ext;
    }

    public override string ToString() => Rid;
}
