namespace BertNer.Runtime;

/// <summary>The texts a person gets when a runtime is missing or will not load: what happened and exactly what to do.</summary>
public static class RuntimeMessages
{
    public const string TorchSharpIssue1567 = "https://github.com/dotnet/TorchSharp/issues/1567";
    public const string VcRedistUrl = "https://aka.ms/vs/17/release/vc_redist.x64.exe";

    /// <summary>No runtime here and none could be installed: how to install one by hand, with or without network.</summary>
    public static string Offline(RuntimeSpec spec, IEnumerable<string> attempts, IEnumerable<string> notes)
    {
        var tried = string.Join(" ", attempts.Concat(notes).Select(a => a.TrimEnd('.') + "."));
        var packages = string.Join(" and ", spec.Packages.Select(p => $"{p.FileName}"));
        var backend = spec.Backend == RuntimeBackend.Cpu ? "" : $" -Backend {spec.Backend}";
        return $"BertNer needs the {spec} native runtime, which is not installed and could not be installed now. {tried} "
            + $"To install it offline: on a machine with internet access run 'Save-BertNerRuntime -Path <folder> -Platform {spec.Platform.Rid}{backend}', "
            + $"copy <folder> to this machine and either set the environment variable {RuntimeLocator.RuntimePathVariable} to it, "
            + $"or copy its subfolder '{spec.FolderName}' into '{RuntimeLocator.RuntimeRoot}'. "
            + $"Or put {packages} (from nuget.org or a NuGet mirror) in a folder and run 'Install-BertNerRuntime{backend} -Source <folder or feed index.json URL>'.";
    }

    /// <summary>
    /// Why libtorch would not load on Windows: TorchSharp 0.107 and libtorch 2.10.0 (open upstream issue #1567), or a
    /// missing or old Visual C++ runtime (torch_cpu.dll and c10.dll need MSVCP140/VCRUNTIME140, which no package ships).
    /// </summary>
    public static string WindowsLoadFailure(string where, string loaderSaid) =>
        $"libtorch could not be loaded from '{where}'. TorchSharp 0.107 does not load on Windows today: LibTorchSharp.dll fails "
        + $"with 0x8007007F/0x8007007E against libtorch 2.10.0, an open upstream bug (dotnet/TorchSharp#1567, {TorchSharpIssue1567}); "
        + "BertNer's training and the libtorch backend need a TorchSharp release that fixes it. "
        + $"Make sure the Visual C++ 2015-2022 x64 redistributable is installed and current ({VcRedistUrl}): torch_cpu.dll and c10.dll need "
        + "MSVCP140.dll and VCRUNTIME140_1.dll, and an old copy gives the same error. Until then, Get-NerEntity -Backend Onnx runs exported models without libtorch. "
        + $"Native loader said: {loaderSaid}";
}
