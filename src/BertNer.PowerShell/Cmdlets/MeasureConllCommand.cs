using System.Management.Automation;
using BertNer.Data;
using BertNer.PowerShell.Support;

namespace BertNer.PowerShell.Cmdlets;

/// <summary>
/// Counts a dataset: sentences, tokens, documents, entities per type and the label set.
/// Reads NerSentence objects from the pipeline and writes one DatasetSummary at the end.
/// Entities are counted as conlleval counts phrases. Entities is a dictionary (type → count, e.g.
/// $summary.Entities.PER); EntitySummary is the same as one readable line; Labels lists the labels seen with O
/// first, then by type (B- before I-).
/// </summary>
[Cmdlet(VerbsDiagnostic.Measure, "Conll")]
[OutputType(typeof(DatasetSummary))]
public sealed class MeasureConllCommand : BertNerCmdlet
{
    private readonly DatasetSummary _summary = new();

    /// <summary>The sentences to count (from the pipeline).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    public NerSentence[] InputObject { get; set; } = [];

    protected override void ProcessRecord()
    {
        foreach (var sentence in InputObject) _summary.Add(sentence);
    }

    protected override void EndProcessing() => WriteObject(_summary);
}
