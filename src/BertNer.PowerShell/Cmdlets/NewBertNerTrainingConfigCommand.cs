using System.Management.Automation;
using BertNer.PowerShell.Support;
using BertNer.Training;

namespace BertNer.PowerShell.Cmdlets;

/// <summary>
/// Writes a training config (YAML) with the default recipe and a comment per key.
/// </summary>
[Cmdlet(VerbsCommon.New, "BertNerTrainingConfig", SupportsShouldProcess = true)]
[OutputType(typeof(FileInfo))]
public sealed class NewBertNerTrainingConfigCommand : BertNerCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>The model to put in the file (default bert-base-cased, the recipe's model).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(Completion.ModelArgumentCompleter))]
    public string Model { get; set; } = "bert-base-cased";

    [Parameter] public string? TrainPath { get; set; }
    [Parameter] public string? ValidationPath { get; set; }
    [Parameter] public string? OutputPath { get; set; }

    /// <summary>Overwrite an existing file.</summary>
    [Parameter] public SwitchParameter Force { get; set; }

    protected override void EndProcessing()
    {
        var path = GetUnresolvedProviderPathFromPSPath(Path);
        CheckOverwrite(path, Force, nameof(Path));
        var o = new TrainingOptions { Model = Model, TrainPath = TrainPath, ValidationPath = ValidationPath };
        if (OutputPath != null) o.OutputPath = OutputPath;
        if (!ShouldProcess(path, "Write training config")) return;
        try
        {
            TrainingConfigFile.Save(path, o,
                "BertNer training config. Defaults: the Hugging Face course recipe (bert-base-cased, CoNLL-2003).\n" +
                "Use: Start-BertNerTraining -ConfigPath <this file>; parameters given on the command line override these keys.");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            ThrowTerminatingError(new ErrorRecord(e, "BertNer.WriteError", ErrorCategory.WriteError, path));
        }
        // As Get-Item returns it: with PSPath, PSParentPath and the rest, so the file shows as in Get-ChildItem.
        WriteObject(InvokeProvider.Item.Get([path], force: false, literalPath: true), enumerateCollection: true);
    }
}
