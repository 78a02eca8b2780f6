using System.Management.Automation;
using BertNer.Inference;
using BertNer.Modeling;
using BertNer.PowerShell.Support;

namespace BertNer.PowerShell.Cmdlets;

/// <summary>
/// <para type="synopsis">Finds named entities in text, with exact character offsets.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "NerEntity")]
[Alias("Get-NerEntities")]
[OutputType(typeof(NerEntity))]
public sealed class GetNerEntityCommand : PSCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [AllowEmptyString]
    [AllowNull]
    public string?[] Text { get; set; } = Array.Empty<string>();

    /// <summary>A fine-tuned model: folder (e.g. a run's best/), hub id, or an object from Import-BertNerModel.</summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNull]
    [ArgumentCompleter(typeof(Completion.ModelArgumentCompleter))]
    public object Model { get; set; } = null!;

    [Parameter]
    public AggregationStrategy AggregationStrategy { get; set; } = AggregationStrategy.First;

    [Parameter]
    [ValidateRange(1, 4096)]
    public int BatchSize { get; set; } = 32;

    [Parameter]
    [ValidateSet("Auto", "Cpu", "Cuda")]
    public string Device { get; set; } = "Auto";

    [Parameter]
    [ValidateRange(0.0, 1.0)]
    public double MinimumScore { get; set; }

    private NerModel? _model;
    private EntityRecognizer? _recognizer;
    private readonly List<string?> _pending = new();
    private int _nextIndex;

    // Texts are processed in windows of several batches: sorted by length inside, emitted in input order.
    private int Window => BatchSize * 8;

    protected override void BeginProcessing()
    {
        try
        {
            _model = Model is PSObject { BaseObject: NerModel m } ? m : Model as NerModel
                ?? ModelCache.Get(ModelResolver.Resolve(this, Model), Device);
            _recognizer = new EntityRecognizer(_model, new RecognizerOptions { Aggregation = AggregationStrategy, BatchSize = BatchSize, MinimumScore = MinimumScore });
        }
        catch (BertNerException e)
        {
            ThrowTerminatingError(ErrorRecords.From(e, Model));
        }
    }

    protected override void ProcessRecord()
    {
        // $null from the pipeline binds as a null array, not an array holding null: it is still one input (no entities).
        foreach (var t in Text ?? new string?[] { null })
        {
            _pending.Add(t);
            if (_pending.Count >= Window) Flush();
        }
    }

    protected override void EndProcessing() => Flush();

    private void Flush()
    {
        if (_pending.Count == 0) return;
        try
        {
            foreach (var e in _recognizer!.Recognize(_pending, _nextIndex)) WriteObject(e);
        }
        catch (BertNerException e)
        {
            ThrowTerminatingError(ErrorRecords.From(e, Model));
        }
        _nextIndex += _pending.Count;
        _pending.Clear();
    }
}
