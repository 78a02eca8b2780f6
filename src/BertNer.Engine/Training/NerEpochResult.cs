namespace BertNer.Training;

/// <summary>One row of the per-epoch table (the seed's table): word-level metrics on the validation set.</summary>
public sealed class NerEpochResult
{
    public int Epoch { get; init; }
    public int Step { get; init; }
    public double TrainingLoss { get; init; }
    public double? ValidationLoss { get; init; }
    public double? Precision { get; init; }
    public double? Recall { get; init; }
    public double? F1 { get; init; }
    public double? Accuracy { get; init; }
    /// <summary>F1 over every labelled sub-token (what the HF course reports).</summary>
    public double? SubTokenF1 { get; init; }
    public TimeSpan Duration { get; init; }
    public double TokensPerSecond { get; init; }
    public double StepsPerSecond { get; init; }
}
