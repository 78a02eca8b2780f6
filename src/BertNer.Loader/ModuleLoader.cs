using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;

namespace BertNer.Loader;

/// <summary>
/// Runs when Import-Module loads this assembly, the manifest's nested module, before it reads the cmdlet assembly
/// (whose parameter types come from the engine), and when Remove-Module unloads the module. The cmdlets live in
/// PowerShell's default load context and find the engine in BertNer's own; the type accelerators keep [BertNer.*]
/// and [TorchSharp.torch] usable in scripts (docs/design.md, "The module's own load context").
/// </summary>
public sealed class ModuleLoader : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    public void OnImport()
    {
        // Removing first keeps one handler when the module is imported again in the same session.
        AssemblyLoadContext.Default.Resolving -= ResolveEngine;
        AssemblyLoadContext.Default.Resolving += ResolveEngine;
        EngineTypeAccelerators.Register(EngineLoadContext.Instance);
    }

    public void OnRemove(PSModuleInfo psModuleInfo)
    {
        EngineTypeAccelerators.Unregister();
        AssemblyLoadContext.Default.Resolving -= ResolveEngine;
    }

    // Answers for the engine only, the one name that is BertNer's own; the engine's dependencies then resolve
    // inside BertNer's context, and every other request is left to PowerShell and .NET.
    private static Assembly? ResolveEngine(AssemblyLoadContext context, AssemblyName name) =>
        string.Equals(name.Name, EngineLoadContext.EngineAssemblyName, StringComparison.Ordinal)
            ? EngineLoadContext.Instance.LoadEngine()
            : null;
}
