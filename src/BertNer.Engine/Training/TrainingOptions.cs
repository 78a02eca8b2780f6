namespace BertNer.Training;

/// <summary>
/// Everything a training run needs, bound from YAML and from cmdlet parameters, validated once and saved
/// resolved into the run folder. Defaults are the Hugging Face course recipe (lr 2e-5, batch 8, seed 42, 3 epochs):
/// the recipe of the Hugging Face reference run on CoNLL-2003 that docs/results.md compares BertNer's result with.
/// </summary>
public sealed class TrainingOptions
{
    public string? Model { get; set; }
    public string? TrainPath { get; set; }
    public string? ValidationPath { get; set; }
    public string OutputPath { get; set; } = "runs/bertner";
    public string Device { get; set; } = "Auto";
    public int Epochs { get; set; } = 3;
    public double LearningRate { get; set; } = 2e-5;
    public int BatchSize { get; set; } = 8;
    public int EvalBatchSize { get; set; } = 8;
    public int Seed { get; set; } = 42;
    public double WeightDecay { get; set; } = 0.01;
    public double AdamBeta1 { get; set; } = 0.9;
    public double AdamBeta2 { get; set; } = 0.999;
    public double AdamEpsilon { get; set; } = 1e-8;
    public double WarmupRatio { get; set; }
    public double MaxGradNorm { get; set; } = 1.0;
    public bool LabelAllSubtokens { get; set; } = true;
    public bool GroupByLength { get; set; }
    public int MaxLength { get; set; } = 512;
    /// <summary>Sub-tokens of the neighbouring sentences of the same document read on each side of a sentence (0 = the sentence alone, the seed recipe).</summary>
    public int DocumentContext { get; set; }
    /// <summary>Stop after this many optimizer steps in total (0 = run all epochs). For smoke runs and benchmarks.</summary>
    public int MaxSteps { get; set; }
    public int LoggingSteps { get; set; } = 50;
    /// <summary>Explicit label list (IOB2); empty = derived from the training data.</summary>
    public List<string> Labels { get; set; } = new();

    public TrainingOptions Clone()
    {
        var c = (TrainingOptions)MemberwiseClone();
        c.Labels = new List<string>(Labels);
        return c;
    }

    /// <summary>Checks ranges and combinations; throws naming the key, the bad value and what is allowed.</summary>
    public void Validate(string source = "options")
    {
        foreach (var key in TrainingOptionKeys.All) key.Check(this, source);
        if (DocumentContext >= MaxLength)
            throw new BertNerException(BertNerErrorKind.InvalidArgument,
                $"{source}: 'document_context' is {DocumentContext} but 'max_length' is {MaxLength}; the context on each side must be below max_length (it shares max_length with the sentence itself). Use a smaller document_context, e.g. 64.",
                $"{source}:document_context");
        if (LabelAllSubtokens && Labels.Count > 0)
        {
            var missingInside = Labels.Where(l => l.StartsWith("B-", StringComparison.Ordinal) && !Labels.Contains("I-" + l[2..])).ToList();
            if (missingInside.Count > 0)
                throw new BertNerException(BertNerErrorKind.InvalidArgument,
                    $"{source}: labels has {string.Join(", ", missingInside)} without the matching I- label; label_all_subtokens needs I-X for every B-X.",
                    $"{source}:labels");
        }
    }
}
