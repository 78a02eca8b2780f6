using BertNer.Checkpoints;
using BertNer.Tests.Support;
using BertNer.Training;
using TorchSharp;

namespace BertNer.Tests.Training;

/// <summary>The training loop on a tiny random model and toy data (no ../shared needed).</summary>
public class TrainerTests
{
    private static TrainingOptions Options(TempDir dir, string run, int epochs = 3) => new()
    {
        Model = dir["tiny"], OutputPath = dir[run], Epochs = epochs, LearningRate = 2e-3, BatchSize = 8, EvalBatchSize = 16,
        Device = "Cpu", LoggingSteps = 1, Seed = 42,
    };

    private static void SaveTiny(TempDir dir)
    {
        using var m = TinyModel.Create(dir["tiny-src"]);
        m.Save(dir["tiny"]);
    }

    [Fact]
    public void Loss_falls_and_validation_f1_rises_on_a_learnable_toy_set()
    {
        using var dir = new TempDir();
        SaveTiny(dir);
        var run = new Trainer(Options(dir, "run", epochs: 4)).Run(ToyData.Sentences(96), ToyData.Sentences(32, seed: 99), resume: false);
        Assert.Equal(4, run.Epochs.Count);
        Assert.True(run.Epochs[^1].TrainingLoss < run.Epochs[0].TrainingLoss * 0.5, $"loss {run.Epochs[0].TrainingLoss} -> {run.Epochs[^1].TrainingLoss}");
        Assert.True(run.Epochs[^1].F1 > 0.9, $"final F1 {run.Epochs[^1].F1}");
        Assert.Equal(4 * 12, run.Steps);
        foreach (var d in new[] { "best", "last", "epoch-1", "epoch-4" })
            Assert.True(File.Exists(Path.Combine(run.OutputPath, d, "model.safetensors")), d);
        Assert.Equal(4, File.ReadAllLines(Path.Combine(run.OutputPath, RunFolder.MetricsFile)).Length);
        Assert.True(File.Exists(Path.Combine(run.OutputPath, RunFolder.ConfigFile)));
        Assert.Contains("Epoch 4", File.ReadAllText(Path.Combine(run.OutputPath, RunFolder.LogFile)));
    }

    [Fact]
    public void Same_seed_gives_the_same_losses_and_weights()
    {
        using var dir = new TempDir();
        SaveTiny(dir);
        var losses = new List<List<double>>();
        foreach (var name in new[] { "a", "b" })
        {
            var l = new List<double>();
            new Trainer(Options(dir, name, epochs: 2), new TrainerEvents { Progress = p => l.Add(p.RunningLoss) })
                .Run(ToyData.Sentences(48), null, resume: false);
            losses.Add(l);
        }
        Assert.Equal(losses[0], losses[1]);
        AssertSameWeights(Path.Combine(dir["a"], "last"), Path.Combine(dir["b"], "last"), 0);
    }

    [Fact]
    public void Interrupted_and_resumed_run_ends_with_the_same_weights_and_metrics()
    {
        using var dir = new TempDir();
        SaveTiny(dir);
        var train = ToyData.Sentences(64);
        var val = ToyData.Sentences(16, seed: 5);
        var full = new Trainer(Options(dir, "full")).Run(train, val, resume: false);

        using var cts = new CancellationTokenSource();
        var stopped = new Trainer(Options(dir, "cut"), new TrainerEvents { Progress = p => { if (p.Step == 13) cts.Cancel(); } })
            .Run(train, val, resume: false, cts.Token);
        Assert.True(stopped.Stopped);
        Assert.Equal(13, stopped.Steps);
        var resumed = new Trainer(Options(dir, "cut")).Run(train, val, resume: true);
        Assert.False(resumed.Stopped);
        Assert.Equal(full.Steps, resumed.Steps);
        AssertSameWeights(Path.Combine(dir["full"], "last"), Path.Combine(dir["cut"], "last"), 1e-6);
        Assert.Equal(full.Epochs.Select(e => e.F1), resumed.Epochs.Select(e => e.F1));
        Assert.Equal(full.Epochs.Select(e => Math.Round(e.ValidationLoss!.Value, 6)), resumed.Epochs.Select(e => Math.Round(e.ValidationLoss!.Value, 6)));
    }

    [Fact]
    public void Native_tensors_stay_flat_over_hundreds_of_steps()
    {
        using var dir = new TempDir();
        SaveTiny(dir);
        var live = new Dictionary<int, long>();
        var o = Options(dir, "mem", epochs: 30);
        new Trainer(o, new TrainerEvents { Progress = p => live[p.Step] = DisposeScopeManager.Statistics.ThreadTotalLiveCount })
            .Run(ToyData.Sentences(80), null, resume: false);
        Assert.True(live.ContainsKey(50) && live.ContainsKey(300));
        Assert.InRange(live[300] - live[50], -5, 5);
    }

    [Fact]
    public void A_run_folder_is_not_overwritten_and_resume_needs_a_checkpoint()
    {
        using var dir = new TempDir();
        SaveTiny(dir);
        new Trainer(Options(dir, "run", epochs: 1)).Run(ToyData.Sentences(16), null, resume: false);
        var e = Assert.Throws<BertNerException>(() => new Trainer(Options(dir, "run", epochs: 1)).Run(ToyData.Sentences(16), null, resume: false));
        Assert.Contains("-Resume", e.Message);
        var e2 = Assert.Throws<BertNerException>(() => new Trainer(Options(dir, "fresh", epochs: 1)).Run(ToyData.Sentences(16), null, resume: true));
        Assert.Contains("No training run at", e2.Message); // issue 16.4: a missing folder is not "no training sentences"
        Assert.Contains("does not exist", e2.Message);
        Directory.CreateDirectory(dir["empty"]);
        var e3 = Assert.Throws<BertNerException>(() => new Trainer(Options(dir, "empty", epochs: 1)).Run(ToyData.Sentences(16), null, resume: true));
        Assert.Contains("Nothing to resume", e3.Message);
    }

    [Fact]
    public void A_crash_between_folder_renames_leaves_the_previous_checkpoint_usable()
    {
        using var dir = new TempDir();
        SaveTiny(dir);
        new Trainer(Options(dir, "run", epochs: 1)).Run(ToyData.Sentences(16), null, resume: false);
        var last = Path.Combine(dir["run"], "last");
        // Simulate a kill after "move the old last/ aside" and before "move the new one in".
        Directory.Move(last, Path.Combine(dir["run"], ".last.old"));
        var resumed = new Trainer(Options(dir, "run", epochs: 2)).Run(ToyData.Sentences(16), null, resume: true);
        Assert.Equal(2, resumed.Epochs.Count);
    }

    private static void AssertSameWeights(string a, string b, double tol)
    {
        var x = SafeTensors.Load(Path.Combine(a, "model.safetensors"));
        var y = SafeTensors.Load(Path.Combine(b, "model.safetensors"));
        Assert.Equal(x.Keys.OrderBy(k => k), y.Keys.OrderBy(k => k));
        foreach (var k in x.Keys)
        {
            var d = (x[k] - y[k]).abs().max().item<float>();
            Assert.True(d <= tol, $"{k} differs by {d}");
        }
    }
}
