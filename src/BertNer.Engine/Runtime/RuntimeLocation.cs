namespace BertNer.Runtime;

/// <summary>Where a native runtime was found, in the order they are tried.</summary>
public enum RuntimeLocation
{
    /// <summary>Next to TorchSharp.dll / Microsoft.ML.OnnxRuntime.dll: a developer build (./build.ps1) or a self-contained app.</summary>
    BesideAssembly,
    /// <summary>The per-user runtime folder (BERTNER_RUNTIME_PATH, else LocalApplicationData/BertNer/runtimes), installed by BertNer.</summary>
    RuntimeFolder,
    /// <summary>The NuGet global packages folder (NUGET_PACKAGES, else ~/.nuget/packages), read where it is.</summary>
    GlobalPackages,
}
