namespace BertNer.Runtime;

/// <summary>A native runtime that is present: where, in which folder(s), which library files.</summary>
public sealed class LocatedRuntime
{
    public RuntimeSpec Spec { get; }
    public RuntimeLocation Location { get; }
    /// <summary>The folders holding the files; one, except in the global packages folder (one per package).</summary>
    public IReadOnlyList<string> Folders { get; }
    /// <summary>Full paths of the runtime's native files.</summary>
    public IReadOnlyList<string> Files { get; }
    public long Bytes => Files.Sum(f => new FileInfo(f).Length);
    public string Path => Folders[0];

    public LocatedRuntime(RuntimeSpec spec, RuntimeLocation location, IReadOnlyList<string> folders, IReadOnlyList<string> files)
    {
        Spec = spec; Location = location; Folders = folders; Files = files;
    }

    /// <summary>The file a DllImport name (torch_cpu, LibTorchSharp, onnxruntime, …) means in this runtime, or null.</summary>
    public string? Resolve(string libraryName)
    {
        foreach (var name in Spec.Platform.LibraryFileNames(libraryName))
            foreach (var file in Files)
                if (string.Equals(System.IO.Path.GetFileName(file), name, Spec.Platform.IsWindows ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal))
                    return file;
        return null;
    }

    /// <summary>The files to load up front, each one's dependencies first.</summary>
    public IEnumerable<string> PreloadOrder()
    {
        var byName = Files.GroupBy(System.IO.Path.GetFileName).ToDictionary(g => g.Key!, g => g.First());
        return Spec.InLoadOrder(byName.Keys).Select(n => byName[n]);
    }

    public override string ToString() => $"{Spec} in {string.Join(", ", Folders)}";
}
