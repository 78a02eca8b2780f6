namespace BertNer.Training;

/// <summary>What Start-BertNerTraining returns: where the run is, which epoch was best, and the epoch table.</summary>
public sealed class NerTrainingRun
{
    public required string OutputPath { get; init; }
    public int BestEpoch { get; init; }
    public double? BestF1 { get; init; }
    public required string BestModelPath { get; init; }
    public required string LastModelPath { get; init; }
    public required IReadOnlyList<NerEpochResult> Epochs { get; init; }
    public required TrainingOptions Config { get; init; }
    /// <summary>Sub-tokens of document context each sentence was read with on each side (0 = none; saved in the models' config.json).</summary>
    public int DocumentContext => Config.DocumentContext;
    public required IReadOnlyList<string> Labels { get; init; }
    public int Steps { get; init; }
    public TimeSpan Duration { get; init; }
    /// <summary>True when the run was interrupted (Ctrl+C); last/ then holds a resumable checkpoint.</summary>
    public bool Stopped { get; init; }
}
