using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.Loader;

namespace BertNer.Loader;

/// <summary>
/// BertNer's own assembly load context: the engine and every managed assembly it uses load from the module's
/// lib/ folder into it, so they cannot clash with another module's copy of YamlDotNet, TorchSharp or Protobuf in
/// the same session (docs/design.md, "The module's own load context"). Assemblies that are not in lib/ (the .NET
/// framework, System.Management.Automation) come from the default context, so both contexts share them.
/// </summary>
internal sealed class EngineLoadContext : AssemblyLoadContext
{
    public const string ContextName = "BertNer";
    public const string EngineAssemblyName = "BertNer.Engine";

    private static readonly Lazy<EngineLoadContext> Single = new(() => new EngineLoadContext(LibFolder()));

    private readonly string _folder;
    // One handle per file: the loader keeps a library loaded for the process anyway; the cache saves its look-ups.
    private readonly ConcurrentDictionary<string, IntPtr> _natives = new(StringComparer.Ordinal);
    private readonly Lazy<Func<string, string?>> _resolveNative;

    private EngineLoadContext(string folder) : base(ContextName, isCollectible: false)
    {
        _folder = folder;
        _resolveNative = new(() => LoadEngine().GetType("BertNer.Runtime.NativeRuntime", throwOnError: true)!
            .GetMethod("ResolveLibrary", [typeof(string)])!
            .CreateDelegate<Func<string, string?>>());
    }

    /// <summary>The one context of the process: PowerShell may import the module again, the assemblies stay loaded.</summary>
    public static EngineLoadContext Instance => Single.Value;

    /// <summary>The native libraries this context has loaded, by file, for the tests and for diagnosis.</summary>
    public IReadOnlyCollection<string> NativeLibraries => _natives.Keys.ToArray();

    public Assembly LoadEngine() => LoadFromAssemblyName(new AssemblyName(EngineAssemblyName));

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        if (string.IsNullOrEmpty(assemblyName.Name)) return null;
        var path = Path.Combine(_folder, assemblyName.Name + ".dll");
        return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
    }

    /// <summary>
    /// TorchSharp and ONNX Runtime load libtorch and onnxruntime by name; the engine's
    /// BertNer.Runtime.NativeRuntime.ResolveLibrary says which file that is, before the system loader probes.
    /// Names it does not know (libc, ...) go on to the system loader.
    /// </summary>
    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        var path = _resolveNative.Value(unmanagedDllName);
        return path is null ? IntPtr.Zero : _natives.GetOrAdd(path, LoadUnmanagedDllFromPath);
    }

    private static string LibFolder()
    {
        var module = Path.GetDirectoryName(typeof(EngineLoadContext).Assembly.Location)
            ?? throw new InvalidOperationException("BertNer.Loader.dll was not loaded from a file, so the module's lib folder cannot be found.");
        return Path.Combine(module, "lib");
    }
}
