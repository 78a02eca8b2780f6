using System.Management.Automation;
using BertNer.Data;
using BertNer.Evaluation;
using BertNer.Inference;
using BertNer.Modeling;
using BertNer.PowerShell.Support;

namespace BertNer.PowerShell.Cmdlets;

/// <summary>
/// Evaluates a NER model on labelled sentences with CoNLL (conlleval) metrics.
/// </summary>
[Cmdlet(VerbsDiagnostic.Measure, "BertNerModel", DefaultParameterSetName = "Pipeline")]
[OutputType(typeof(NerEvaluation))]
public sealed class MeasureBertNerModelCommand : BertNerCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNull]
    [ArgumentCompleter(typeof(Completion.ModelArgumentCompleter))]
    [ModelArgument]
    public object Model { get; set; } = null!;

    [Parameter(ValueFromPipeline = true, ParameterSetName = "Pipeline")]
    public NerSentence? InputObject { get; set; }

    /// <summary>A CoNLL file to evaluate on (instead of pipeline input).</summary>
    [Parameter(Mandatory = true, ParameterSetName = "Path")]
    public string Path { get; set; } = "";

    /// <summary>Write "token gold predicted" lines (CoNLL, blank line between sentences) for external checkers.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? PredictionsPath { get; set; }

    /// <summary>Replace the -PredictionsPath file if it exists (without it, an existing file is an error, before evaluating).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    [Parameter, ValidateRange(1, 4096)]
    public int BatchSize { get; set; } = 32;

    [Parameter]
    public Device Device { get; set; } = Device.Auto;

    /// <summary>The runtime: Auto (ONNX Runtime for an exported folder, libtorch otherwise), Torch or Onnx.</summary>
    [Parameter]
    public InferenceBackend Backend { get; set; } = InferenceBackend.Auto;

    private readonly List<NerSentence> _sentences = new();

    protected override void ProcessRecord()
    {
        if (InputObject != null) _sentences.Add(InputObject);
    }

    protected override void EndProcessing()
    {
        try
        {
            // Refuse before the evaluation, not after minutes of it.
            var predictionsPath = PredictionsPath is null ? null : GetUnresolvedProviderPathFromPSPath(PredictionsPath);
            if (predictionsPath != null) CheckOverwrite(predictionsPath, Force, nameof(PredictionsPath));
            if (ParameterSetName == "Path") _sentences.AddRange(ConllFiles.Read(this, Path));
            if (_sentences.Count == 0)
                ThrowTerminatingError(ErrorRecords.Argument("No sentences to evaluate: pipe NerSentence objects (Import-Conll valid.txt | Measure-BertNerModel ...) or use -Path.", "InputObject", null));
            var model = ModelResolver.ResolveClassifier(this, Model, Device.ToString(), Backend, StopToken);
            var pump = NewPump();
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
            if (predictionsPath != null) WritePredictions(predictionsPath, result.WordPredictions);
            WriteObject(result.Words);
        }
        catch (BertNerException e)
        {
            Terminate(e, Model);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// The predictions as conlleval reads them: "token gold predicted" per word, a blank line after each sentence and
    /// no -DOCSTART- lines, written whole or not at all by the engine's ConllWriter (as Export-Conll writes).
    /// </summary>
    private void WritePredictions(string path, IReadOnlyList<string[]> predictions)
    {
        try
        {
            // Copies: the caller's sentences keep their PredictedLabels as they were.
            var predicted = _sentences.Select((s, i) => new NerSentence(s.Tokens, s.Labels)
            {
                PredictedLabels = predictions[i], DocumentIndex = s.DocumentIndex, SentenceIndex = s.SentenceIndex, SourceFile = s.SourceFile, Line = s.Line,
            });
            var written = ConllWriter.WriteFile(path, predicted, documentStarts: false, overwrite: Force);
            WriteVerbose($"Wrote predictions for {written} sentences to {path}");
        }
        catch (BertNerException e)
        {
            // The file or the sentence at fault, not the model.
            Terminate(e, e.Target ?? path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            ThrowTerminatingError(new ErrorRecord(e, "BertNer.WriteError", ErrorCategory.WriteError, path));
        }
    }
}
