namespace BertNer.Training;

/// <summary>A progress report from the trainer (turned into Write-Progress by the cmdlet).</summary>
public sealed record TrainingProgress(
    string Phase, int Epoch, int Epochs, int Step, int TotalSteps, int EpochStep, int StepsPerEpoch,
    double RunningLoss, double TokensPerSecond, TimeSpan Elapsed, TimeSpan? Remaining);

/// <summary>Callbacks the trainer calls from its own thread.</summary>
public sealed class TrainerEvents
{
    public Action<TrainingProgress>? Progress { get; init; }
    public Action<string>? Log { get; init; }
    public Action<string>? Warning { get; init; }
    public Action<NerEpochResult>? EpochCompleted { get; init; }
}
