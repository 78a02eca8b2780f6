using System.Management.Automation;
using BertNer.PowerShell.Support;
using BertNer.Runtime;

namespace BertNer.PowerShell.Cmdlets;

/// <summary>
/// Writes a native runtime for another machine (any supported platform) into a folder, laid out as
/// dotnet publish would lay out its native files, for copying to a machine without network.
/// </summary>
[Cmdlet(VerbsData.Save, "BertNerRuntime", SupportsShouldProcess = true)]
[OutputType(typeof(RuntimeInfo))]
public sealed class SaveBertNerRuntimeCommand : BertNerCmdlet
{
    private const int ActivityId = 52;

    /// <summary>The folder to write into; each runtime gets a subfolder named after it.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>linux-x64, win-x64 or osx-arm64.</summary>
    [Parameter(Mandatory = true)]
    [ValidateSet("linux-x64", "win-x64", "osx-arm64")]
    public string Platform { get; set; } = "";

    /// <summary>Cpu (default) or Cuda.</summary>
    [Parameter]
    public RuntimeBackend Backend { get; set; } = RuntimeBackend.Cpu;

    /// <summary>Which runtimes: Torch (default) and/or Onnx.</summary>
    [Parameter]
    public RuntimeKind[] Runtime { get; set; } = { RuntimeKind.Torch };

    /// <summary>A NuGet v3 feed's index.json URL or a folder of .nupkg files.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Source { get; set; }

    /// <summary>Write again even when an intact copy is there.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void EndProcessing()
    {
        var root = GetUnresolvedProviderPathFromPSPath(Path);
        foreach (var kind in Runtime.Distinct())
        {
            RuntimeSpec spec;
            try { spec = RuntimeCatalog.For(kind, Backend, RuntimePlatform.Parse(Platform)); }
            catch (BertNerException e) { Report(e, kind); continue; }
            var sources = RuntimeInstall.Sources(this, Source, spec);
            if (!ShouldProcess(System.IO.Path.Combine(root, spec.FolderName), $"Save {spec} from {string.Join(" or ", sources)}")) continue;
            var failures = new List<string>();
            bool saved = false;
            foreach (var source in sources)
            {
                try
                {
                    // Another machine's copy: no libstdc++ fix for this one (it is applied there, if needed, on install or first load).
                    var runtime = RuntimeInstall.Run(this, spec, root, source, Force, patchForThisSystem: false, ActivityId, StopToken);
                    WriteObject(RuntimeInfo.From(runtime, inUse: false, cudaUsable: false));
                    saved = true;
                    break;
                }
                catch (BertNerException e) when (sources.Count > 1 && (e is RuntimeSourceUnavailableException || e.Kind == BertNerErrorKind.ObjectNotFound))
                {
                    failures.Add(e.Message);
                }
                catch (BertNerException e)
                {
                    Report(e);
                    saved = true;
                    break;
                }
                catch (OperationCanceledException) when (StopRequested)
                {
                    throw new PipelineStoppedException();
                }
            }
            if (!saved)
                WriteError(ErrorRecords.From(new BertNerException(BertNerErrorKind.ResourceUnavailable,
                    $"{spec} could not be saved: {string.Join(" ", failures)} Give -Source a NuGet feed or a folder that has its packages.", spec.FolderName)));
        }
    }
}
