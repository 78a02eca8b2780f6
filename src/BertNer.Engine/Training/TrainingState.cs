using System.Text.Json;

namespace BertNer.Training;

/// <summary>Where a run stands, saved in last/trainer_state.json so -Resume can continue exactly.</summary>
public sealed class TrainingState
{
    public int Epoch { get; set; } = 1;          // the epoch in progress (1-based)
    public int EpochStep { get; set; }           // batches of that epoch already done
    public int GlobalStep { get; set; }
    public int TotalSteps { get; set; }
    public double EpochLossSum { get; set; }
    public int EpochLossSteps { get; set; }
    public long EpochRealTokens { get; set; }
    public double EpochSeconds { get; set; }
    public int BestEpoch { get; set; }
    public double? BestF1 { get; set; }
    public bool Finished { get; set; }
    public List<string> Labels { get; set; } = new();
    public List<NerEpochResult> History { get; set; } = new();

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>Moves to the next epoch's first step, clearing the per-epoch sums.</summary>
    public void StartNextEpoch()
    {
        Epoch++;
        EpochStep = 0; EpochLossSum = 0; EpochLossSteps = 0; EpochRealTokens = 0; EpochSeconds = 0;
    }

    public void Save(string path) => IO.AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, Json));

    public static TrainingState Load(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<TrainingState>(File.ReadAllText(path))
                ?? throw new JsonException("empty");
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            throw new BertNerException(BertNerErrorKind.InvalidData, $"'{path}' cannot be read ({e.Message}); the checkpoint is damaged. Start a new run or resume from an intact copy.", path, e);
        }
    }
}
