using System.Management.Automation;
using System.Text;
using BertNer.Checkpoints;
using BertNer.Data;
using BertNer.Evaluation;
using BertNer.Modeling;
using BertNer.PowerShell.Support;

namespace BertNer.PowerShell.Cmdlets;

/// <summary>
/// <para type="synopsis">Evaluates a NER model on labelled sentences with CoNLL (conlleval) metrics.</para>
/// </summary>
[Cmdlet(VerbsDiagnostic.Measure, "BertNerModel", DefaultParameterSetName = "Pipeline")]
[OutputType(typeof(NerEvaluation))]
public sealed class MeasureBertNerModelCommand : PSCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNull]
    [ArgumentCompleter(typeof(Completion.ModelArgumentCompleter))]
    public object Model { get; set; } = null!;

    [Parameter(ValueFromPipeline = true, ParameterSetName = "Pipeline")]
    public NerSentence? InputObject { get; set; }

    /// <summary>A CoNLL file to evaluate on (instead of pipeline input).</summary>
    [Parameter(Mandatory = true, ParameterSetName = "Path")]
    public string Path { get; set; } = "";

    /// <summary>Write "token gold predicted" lines (CoNLL, blank line between sentences) for external checkers.</summary>
    [Parameter]
    public string? PredictionsPath { get; set; }

    [Parameter, ValidateRange(1, 4096)]
    public int BatchSize { get; set; } = 32;

    [Parameter, ValidateSet("Auto", "Cpu", "Cuda")]
    public string Device { get; set; } = "Auto";

    private readonly List<NerSentence> _sentences = new();

    protected override void ProcessRecord()
    {
        if (InputObject != null) _sentences.Add(InputObject);
    }

    protected override void EndProcessing()
    {
        try
        {
            if (ParameterSetName == "Path") _sentences.AddRange(ConllFiles.Read(this, Path));
            if (_sentences.Count == 0)
                ThrowTerminatingError(ErrorRecords.Argument("No sentences to evaluate: pipe NerSentence objects (Import-Conll valid.txt | Measure-BertNerModel ...) or use -Path.", "InputObject", null));
            var model = Model is PSObject { BaseObject: NerModel m } ? m : Model as NerModel
                ?? ModelCache.Get(ModelResolver.Resolve(this, Model), Device);
            var pump = new WorkerPump();
            ModelEvaluation result;
            try
            {
                result = pump.Run(ct => ModelEvaluator.Evaluate(model, _sentences, BatchSize,
                    progress: done => pump.Post(() => WriteProgress(new ProgressRecord(1, $"Evaluating {model.Name}", $"{done}/{_sentences.Count} sentences")
                    { PercentComplete = 100 * done / _sentences.Count })), ct: ct));
            }
            finally
            {
                pump.Dispose();
            }
            if (PredictionsPath != null) WritePredictions(GetUnresolvedProviderPathFromPSPath(PredictionsPath), result.WordPredictions);
            WriteObject(result.Words);
        }
        catch (BertNerException e)
        {
            ThrowTerminatingError(ErrorRecords.From(e, Model));
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void WritePredictions(string path, IReadOnlyList<string[]> predictions)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < _sentences.Count; i++)
        {
            var s = _sentences[i];
            for (int w = 0; w < s.Tokens.Length; w++) sb.Append(s.Tokens[w]).Append(' ').Append(s.Labels[w]).Append(' ').Append(predictions[i][w]).Append('\n');
            sb.Append('\n');
        }
        AtomicFile.WriteAllText(path, sb.ToString());
        WriteVerbose($"Wrote predictions for {_sentences.Count} sentences to {path}");
    }
}
