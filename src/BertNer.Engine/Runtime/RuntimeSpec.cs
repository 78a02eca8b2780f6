using System.IO.Enumeration;

namespace BertNer.Runtime;

/// <summary>
/// What one native runtime is: the NuGet packages it comes from, which of their <c>runtimes/&lt;rid&gt;/native</c> files
/// it keeps, which libraries must be there, and the order to load them in. Made by <see cref="RuntimeCatalog"/>.
/// </summary>
public sealed class RuntimeSpec
{
    public RuntimeKind Kind { get; }
    public RuntimeBackend Backend { get; }
    public RuntimePlatform Platform { get; }
    /// <summary>libtorch's or ONNX Runtime's version.</summary>
    public string Version { get; }
    /// <summary>The packages named directly; with <see cref="FollowDependencies"/> their libtorch-* dependencies are added when installing.</summary>
    public IReadOnlyList<RuntimePackage> Packages { get; }
    /// <summary>True for the CUDA builds: a meta package whose dependencies are the parts and fragments of the real files.</summary>
    public bool FollowDependencies { get; init; }
    /// <summary>DllImport names that must resolve to a file of this runtime for it to count as present.</summary>
    public IReadOnlyList<string> EntryLibraries { get; init; } = Array.Empty<string>();
    /// <summary>File-name patterns, in the order the files are loaded (each one's dependencies first).</summary>
    public IReadOnlyList<string> LoadOrder { get; init; } = Array.Empty<string>();
    /// <summary>File-name patterns of files the runtime keeps; a file must also escape <see cref="Dropped"/>.</summary>
    public IReadOnlyList<string> Kept { get; init; } = new[] { "*" };
    /// <summary>File-name patterns of package files nothing loads (Python bindings, libtorch's test libraries, import libraries).</summary>
    public IReadOnlyList<string> Dropped { get; init; } = Array.Empty<string>();

    internal RuntimeSpec(RuntimeKind kind, RuntimeBackend backend, RuntimePlatform platform, string version, IReadOnlyList<RuntimePackage> packages)
    {
        Kind = kind; Backend = backend; Platform = platform; Version = version; Packages = packages;
    }

    /// <summary>The installed runtime's folder name, e.g. <c>libtorch-2.10.0-cpu-linux-x64</c>: one per version, so versions sit side by side.</summary>
    public string FolderName => $"{(Kind == RuntimeKind.Torch ? "libtorch" : "onnxruntime")}-{Version}-{Backend.ToString().ToLowerInvariant()}-{Platform.Rid}";

    /// <summary>The package folder inside a .nupkg that holds this platform's native files.</summary>
    public string NativePrefix => $"runtimes/{Platform.Rid}/native/";

    /// <summary>Whether an installed runtime keeps the package file <paramref name="fileName"/>.</summary>
    public bool Keeps(string fileName) =>
        Kept.Any(p => FileSystemName.MatchesSimpleExpression(p, fileName)) && !Dropped.Any(p => FileSystemName.MatchesSimpleExpression(p, fileName));

    /// <summary>The files of <paramref name="fileNames"/> in load order (those matching no load-order pattern are not preloaded).</summary>
    public IEnumerable<string> InLoadOrder(IEnumerable<string> fileNames)
    {
        var names = fileNames.ToList();
        foreach (var pattern in LoadOrder)
            foreach (var name in names.Where(n => FileSystemName.MatchesSimpleExpression(pattern, n)).Order(StringComparer.Ordinal))
                yield return name;
    }

    public override string ToString() => $"{(Kind == RuntimeKind.Torch ? "libtorch" : "ONNX Runtime")} {Version} ({Backend.ToString().ToUpperInvariant()}, {Platform.Rid})";
}
