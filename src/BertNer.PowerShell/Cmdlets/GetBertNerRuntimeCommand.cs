using System.Management.Automation;
using BertNer.PowerShell.Support;
using BertNer.Runtime;

namespace BertNer.PowerShell.Cmdlets;

/// <summary>Shows the native runtimes this machine has for BertNer: version, backend, platform, where, size, whether CUDA is usable.</summary>
[Cmdlet(VerbsCommon.Get, "BertNerRuntime")]
[OutputType(typeof(RuntimeInfo))]
public sealed class GetBertNerRuntimeCommand : BertNerCmdlet
{
    /// <summary>Also check every installed file's SHA-256 against the install's manifest.</summary>
    [Parameter]
    public SwitchParameter Verify { get; set; }

    protected override void EndProcessing()
    {
        try
        {
            WriteObject(RuntimeReport.Describe(Verify), enumerateCollection: true);
        }
        catch (BertNerException e)
        {
            Report(e);
        }
    }
}
