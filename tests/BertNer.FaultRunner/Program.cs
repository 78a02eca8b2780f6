// Trains the model in --model on the CoNLL files given, as Start-BertNerTraining would, and says what it does on
// stdout one line at a time (STEP n, EPOCH n, PAUSED point path, DONE, ERROR kind target: message) so a test can
// kill it at a chosen point. --pause-at point:name:n stops for good (until killed) the n-th time AtomicFile reaches
// that point for a target whose file or folder name is 'name'. --poison-step n makes a weight NaN after step n.
// Exit codes: 0 done, 2 BertNerException, 3 anything else, 64 bad arguments.
using BertNer;
using BertNer.Data;
using BertNer.Testing;
using BertNer.Training;
using static TorchSharp.torch;

if (RuntimeChild.Handles(args)) return RuntimeChild.Run(args);
var a = Arguments.Parse(args);
if (a is null)
{
    Console.Error.WriteLine("usage: BertNer.FaultRunner --model DIR --train FILE [--valid FILE] --out DIR [--epochs N] [--lr X] [--batch N] [--seed N] [--resume] [--pause-at point:name:n] [--poison-step n]");
    return 64;
}

void Say(string line)
{
    Console.Out.WriteLine(line);
    Console.Out.Flush();
}

if (a.PauseAt is { } pause)
{
    int seen = 0;
    FaultHooks.CheckpointWrite = (point, path) =>
    {
        if (point != pause.Point || Path.GetFileName(path) != pause.Name || ++seen != pause.Occurrence) return;
        Say($"PAUSED {point} {path}");
        Thread.Sleep(Timeout.Infinite); // until the test kills this process
    };
}
if (a.PoisonStep is { } poison)
{
    FaultHooks.AfterTrainingStep = (step, net) =>
    {
        if (step != poison) return;
        using var _ = no_grad();
        net.parameters().First().fill_(float.NaN);
    };
}

try
{
    var options = new TrainingOptions
    {
        Model = a.Model, OutputPath = a.Out, Epochs = a.Epochs, LearningRate = a.LearningRate, BatchSize = a.BatchSize,
        EvalBatchSize = 16, Seed = a.Seed, Device = "Cpu", LoggingSteps = 1,
    };
    var train = ConllReader.ReadFile(a.Train).ToList();
    var valid = a.Valid is null ? null : ConllReader.ReadFile(a.Valid).ToList();
    var events = new TrainerEvents
    {
        Progress = p => { if (p.Phase == "Training") Say($"STEP {p.Step}"); },
        EpochCompleted = r => Say($"EPOCH {r.Epoch}"),
    };
    var run = new Trainer(options, events).Run(train, valid, a.Resume);
    Say($"DONE steps={run.Steps} epochs={run.Epochs.Count}");
    return 0;
}
catch (BertNerException e)
{
    Say($"ERROR {e.Kind} {e.Target}: {e.Message}");
    return 2;
}
catch (Exception e)
{
    Say($"CRASH {e.GetType().FullName}: {e.Message}");
    Console.Error.WriteLine(e);
    return 3;
}

/// <summary>The runner's command line.</summary>
internal sealed record Arguments(string Model, string Train, string? Valid, string Out, int Epochs, double LearningRate, int BatchSize, int Seed,
    bool Resume, (string Point, string Name, int Occurrence)? PauseAt, int? PoisonStep)
{
    public static Arguments? Parse(string[] args)
    {
        var d = new Dictionary<string, string>();
        bool resume = false;
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--resume") { resume = true; continue; }
            if (!args[i].StartsWith("--") || i + 1 >= args.Length) return null;
            d[args[i][2..]] = args[++i];
        }
        if (!d.TryGetValue("model", out var model) || !d.TryGetValue("train", out var train) || !d.TryGetValue("out", out var output)) return null;
        (string, string, int)? pause = null;
        if (d.TryGetValue("pause-at", out var p))
        {
            var parts = p.Split(':');
            if (parts.Length != 3 || !int.TryParse(parts[2], out var n)) return null;
            pause = (parts[0], parts[1], n);
        }
        return new Arguments(model, train, d.GetValueOrDefault("valid"), output,
            int.Parse(d.GetValueOrDefault("epochs", "3")), double.Parse(d.GetValueOrDefault("lr", "0.002"), System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(d.GetValueOrDefault("batch", "8")), int.Parse(d.GetValueOrDefault("seed", "42")), resume, pause,
            d.TryGetValue("poison-step", out var ps) ? int.Parse(ps) : null);
    }
}
