using System.Management.Automation;
using BertNer.Modeling;
using BertNer.PowerShell.Support;
using BertNer.Runtime;

namespace BertNer.PowerShell.Cmdlets;

/// <summary>
/// Loads a BERT model folder (Hugging Face layout) once, for reuse by the other cmdlets.
/// </summary>
[Cmdlet(VerbsData.Import, "BertNerModel")]
[OutputType(typeof(NerModel))]
public sealed class ImportBertNerModelCommand : BertNerCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName", "Model")]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Completion.ModelArgumentCompleter))]
    public string Path { get; set; } = "";

    /// <summary>Labels for a new token-classification head (a plain pretrained encoder has none).</summary>
    [Parameter]
    public string[]? Labels { get; set; }

    [Parameter]
    public Device Device { get; set; } = Device.Auto;

    protected override void ProcessRecord()
    {
        try
        {
            var folder = ModelResolver.Resolve(this, Path, StopToken);
            PrepareRuntime(RuntimeKind.Torch);
            var model = NerModel.Load(folder, Labels, Device.ToString());
            foreach (var w in model.Warnings) WriteWarning(w);
            WriteObject(model);
        }
        catch (BertNerException e)
        {
            Report(e, Path);
        }
        catch (OperationCanceledException)
        {
            throw new PipelineStoppedException();
        }
    }
}
