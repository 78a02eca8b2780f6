namespace BertNer.Runtime;

/// <summary>A native runtime as Get-BertNerRuntime, Install-BertNerRuntime and Save-BertNerRuntime report it.</summary>
public sealed record RuntimeInfo
{
    /// <summary>libtorch or onnxruntime.</summary>
    public required string Runtime { get; init; }
    public required string Version { get; init; }
    public required RuntimeBackend Backend { get; init; }
    public required string Platform { get; init; }
    /// <summary>Where it was found; null when it is not present.</summary>
    public RuntimeLocation? Location { get; init; }
    /// <summary>Its folder (the first one, for a runtime read from the global packages folder).</summary>
    public string? Path { get; init; }
    /// <summary>Bytes of its native files.</summary>
    public long Size { get; init; }
    /// <summary>True when this is libtorch with CUDA, it is the one in use, and libtorch sees a CUDA device.</summary>
    public bool CudaUsable { get; init; }
    /// <summary>Whether this process has loaded it.</summary>
    public bool InUse { get; init; }
    /// <summary>Null when it is usable, else what is wrong (missing, damaged).</summary>
    public string? Problem { get; init; }
    public IReadOnlyList<string> Files { get; init; } = Array.Empty<string>();

    public static RuntimeInfo From(LocatedRuntime runtime, bool inUse, bool cudaUsable) => new()
    {
        Runtime = runtime.Spec.Kind == RuntimeKind.Torch ? "libtorch" : "onnxruntime",
        Version = runtime.Spec.Version, Backend = runtime.Spec.Backend, Platform = runtime.Spec.Platform.Rid,
        Location = runtime.Location, Path = runtime.Path, Size = runtime.Bytes, InUse = inUse, CudaUsable = cudaUsable,
        Files = runtime.Files.Select(System.IO.Path.GetFileName).Order(StringComparer.Ordinal).ToList()!,
    };

    public static RuntimeInfo Missing(RuntimeSpec spec, string problem, string? path = null) => new()
    {
        Runtime = spec.Kind == RuntimeKind.Torch ? "libtorch" : "onnxruntime",
        Version = spec.Version, Backend = spec.Backend, Platform = spec.Platform.Rid, Path = path, Problem = problem,
    };
}
