using System.Management.Automation;
using BertNer.Modeling;
using BertNer.Onnx;
using BertNer.PowerShell.Support;
using BertNer.Runtime;

namespace BertNer.PowerShell.Cmdlets;

/// <summary>Writes a fine-tuned model as a self-contained ONNX folder (model.onnx, config.json, tokenizer files).</summary>
[Cmdlet(VerbsData.Export, "BertNerModel", SupportsShouldProcess = true)]
[OutputType(typeof(DirectoryInfo))]
public sealed class ExportBertNerModelCommand : BertNerCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    [ArgumentCompleter(typeof(Completion.ModelArgumentCompleter))]
    [ModelArgument]
    public object Model { get; set; } = null!;

    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    [Parameter]
    public OnnxQuantization Quantize { get; set; } = OnnxQuantization.None;

    [Parameter]
    public SwitchParameter Force { get; set; }

    private int _models;

    protected override void ProcessRecord()
    {
        // One -Path takes one model: a second piped model would replace the first one's export.
        if (++_models > 1)
            ThrowTerminatingError(ErrorRecords.Argument(
                "Export-BertNerModel writes one model per -Path; pipe one model, or call it once per model with its own -Path.", "Model", Model));
        var full = GetUnresolvedProviderPathFromPSPath(Path);
        CheckOverwrite(full, Force, nameof(Path));
        try
        {
            var model = Model is PSObject { BaseObject: NerModel m } ? m : Model as NerModel ?? LoadForExport();
            var what = Quantize == OnnxQuantization.Int8 ? "Export as ONNX with int8 weights" : "Export as ONNX";
            if (!ShouldProcess(full, $"{what} from '{model.SourcePath ?? model.Name}'")) return;
            OnnxExporter.Export(model, full, Quantize, overwrite: Force);
            WriteVerbose($"Wrote {OnnxExporter.ModelFile} ({new FileInfo(System.IO.Path.Combine(full, OnnxExporter.ModelFile)).Length / 1e6:F1} MB), config.json and the tokenizer files to '{full}'.");
            WriteObject(InvokeProvider.Item.Get(new[] { full }, force: false, literalPath: true), enumerateCollection: true);
        }
        catch (BertNerException e)
        {
            Terminate(e, Model);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            ThrowTerminatingError(new ErrorRecord(e, "BertNer.WriteError", ErrorCategory.WriteError, full));
        }
    }

    private NerModel LoadForExport()
    {
        var folder = ModelResolver.Resolve(this, Model, StopToken);
        PrepareRuntime(RuntimeKind.Torch);
        return ModelCache.Get(folder, "Cpu");
    }
}
