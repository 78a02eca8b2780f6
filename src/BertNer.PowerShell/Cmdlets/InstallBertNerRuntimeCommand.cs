using System.Management.Automation;
using BertNer.PowerShell.Support;
using BertNer.Runtime;

namespace BertNer.PowerShell.Cmdlets;

/// <summary>
/// Installs the native runtime (libtorch, or ONNX Runtime) for this machine into the per-user runtime folder, from
/// nuget.org, another NuGet v3 feed or a local folder of packages, checked against their SHA512.
/// </summary>
[Cmdlet(VerbsLifecycle.Install, "BertNerRuntime", SupportsShouldProcess = true)]
[OutputType(typeof(RuntimeInfo))]
public sealed class InstallBertNerRuntimeCommand : BertNerCmdlet
{
    private const int ActivityId = 51;

    /// <summary>Cpu (default) or Cuda (libtorch for CUDA 12.8; linux-x64 and win-x64 only).</summary>
    [Parameter]
    public RuntimeBackend Backend { get; set; } = RuntimeBackend.Cpu;

    /// <summary>Which runtimes: Torch (default) and/or Onnx.</summary>
    [Parameter]
    public RuntimeKind[] Runtime { get; set; } = { RuntimeKind.Torch };

    /// <summary>A NuGet v3 feed's index.json URL or a folder of .nupkg files.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Source { get; set; }

    /// <summary>Reinstall even when an intact copy is there.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void EndProcessing()
    {
        var root = RuntimeLocator.RuntimeRoot;
        foreach (var kind in Runtime.Distinct())
        {
            RuntimeSpec spec;
            try { spec = RuntimeCatalog.For(kind, Backend, RuntimePlatform.Current.IsSupported ? RuntimePlatform.Current : RuntimePlatform.Parse(RuntimePlatform.Current.Rid)); }
            catch (BertNerException e) { Report(e, kind); continue; }
            var sources = RuntimeInstall.Sources(this, Source, spec);
            if (!ShouldProcess(System.IO.Path.Combine(root, spec.FolderName), $"Install {spec} from {string.Join(" or ", sources)}")) continue;
            Install(spec, root, sources);
        }
    }

    private void Install(RuntimeSpec spec, string root, IReadOnlyList<string> sources)
    {
        var failures = new List<string>();
        foreach (var source in sources)
        {
            try
            {
                var runtime = RuntimeInstall.Run(this, spec, root, source, Force, patchForThisSystem: true, ActivityId, StopToken);
                WriteVerbose($"{spec} is in '{runtime.Path}' ({HubProgressRecords.Bytes(runtime.Bytes)}), from {source}.");
                WriteObject(RuntimeInfo.From(runtime, NativeRuntime.InUse(spec.Kind)?.Spec.FolderName == spec.FolderName, cudaUsable: false));
                return;
            }
            // An unreachable source ends in the offline instructions (after trying the next source, if any).
            catch (BertNerException e) when (e is RuntimeSourceUnavailableException || (sources.Count > 1 && e.Kind == BertNerErrorKind.ObjectNotFound))
            {
                WriteVerbose(e.Message);
                failures.Add(e.Message);
            }
            catch (BertNerException e)
            {
                Report(e);
                return;
            }
            catch (OperationCanceledException) when (StopRequested)
            {
                throw new PipelineStoppedException();
            }
        }
        WriteError(ErrorRecords.From(new BertNerException(BertNerErrorKind.NotInstalled, RuntimeMessages.Offline(spec, failures, Array.Empty<string>()), spec.FolderName)));
    }
}
