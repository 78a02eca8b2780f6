using System.Management.Automation;
using System.Reflection;

namespace BertNer.Loader;

/// <summary>
/// PowerShell resolves a type literal such as [BertNer.Data.NerSentence] only among the assemblies of its default
/// load context, so the engine's public types and TorchSharp.torch are registered as type accelerators under their
/// full names. An accelerator that already exists is never replaced, and only the ones added here are removed.
/// </summary>
internal static class EngineTypeAccelerators
{
    // PowerShell's accelerator table is internal: about_Classes documents this use of it for exporting types.
    private static readonly Type? Table = typeof(PSObject).Assembly.GetType("System.Management.Automation.TypeAccelerators");
    private static readonly object Gate = new();
    private static readonly Dictionary<string, Type> Added = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The names this module has registered (for the tests).</summary>
    public static IReadOnlyCollection<string> Names
    {
        get { lock (Gate) return Added.Keys.ToArray(); }
    }

    public static void Register(EngineLoadContext context)
    {
        if (Table is null) return;
        var engine = context.LoadEngine();
        var torch = context.LoadFromAssemblyName(new AssemblyName("TorchSharp")).GetType("TorchSharp.torch", throwOnError: true)!;
        var types = engine.GetExportedTypes().Where(t => !t.IsGenericTypeDefinition && t.FullName is not null).Append(torch);
        lock (Gate)
        {
            var existing = Existing();
            foreach (var type in types)
            {
                var name = type.FullName!;
                if (existing.TryGetValue(name, out var current))
                {
                    // Ours from an import whose removal did not run; anyone else's stays as it is.
                    if (current == type) Added[name] = type;
                    continue;
                }
                Invoke("Add", name, type);
                Added[name] = type;
            }
        }
    }

    public static void Unregister()
    {
        if (Table is null) return;
        lock (Gate)
        {
            var existing = Existing();
            foreach (var (name, type) in Added)
            {
                // Someone may have replaced ours since; theirs stays.
                if (existing.TryGetValue(name, out var current) && current == type) Invoke("Remove", name);
            }
            Added.Clear();
        }
    }

    private static Dictionary<string, Type> Existing() =>
        (Dictionary<string, Type>)Table!.GetProperty("Get", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;

    private static void Invoke(string method, params object[] args) =>
        Table!.GetMethod(method, BindingFlags.Public | BindingFlags.Static)!.Invoke(null, args);
}
