using BertNer.Modeling;
using BertNer.Testing;
using BertNer.Tests.Support;
using BertNer.Training;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace BertNer.Tests.Reliability;

/// <summary>
/// Faults inside a training run: a loss or a weight that turns NaN, a disk that fills up during a checkpoint, an
/// output folder that cannot be written. Each stops the run with a BertNerException that says what happened and
/// which checkpoint is intact, and that checkpoint is whole, finite and resumable.
/// </summary>
public sealed class TrainingFaultTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose()
    {
        FaultHooks.CheckpointWrite = null;
        FaultHooks.AfterTrainingStep = null;
        _dir.Dispose();
    }

    /// <summary>2 epochs of 8 steps over 64 toy sentences.</summary>
    private TrainingOptions Options(string output, int loggingSteps = 50, int epochs = 2) => new()
    {
        Model = _dir["tiny"], OutputPath = output, Epochs = epochs, LearningRate = 2e-3, BatchSize = 8, EvalBatchSize = 16,
        Device = "Cpu", LoggingSteps = loggingSteps, Seed = 42,
    };

    private void SaveTiny()
    {
        using var m = TinyModel.Create(_dir["tiny-src"]);
        m.Save(_dir["tiny"]);
    }

    private static void PoisonAfter(int step) => FaultHooks.AfterTrainingStep = (s, net) =>
    {
        if (s != step) return;
        using var _ = no_grad();
        net.parameters().First().fill_(float.NaN);
    };

    /// <summary>last/ is whole, from the end of epoch 1 (step 8), and every weight in it is finite.</summary>
    private static void AssertEpochOneCheckpoint(string run)
    {
        var last = Path.Combine(run, "last");
        Assert.Equal(8, TrainingState.Load(Path.Combine(last, RunFolder.StateFile)).GlobalStep);
        using var m = NerModel.Load(last, device: "Cpu");
        foreach (var (name, p) in m.Classifier!.named_parameters())
            Assert.True(p.isfinite().all().item<bool>(), $"{name} is not finite in last/");
        Assert.Single(File.ReadAllLines(Path.Combine(run, RunFolder.MetricsFile)));
        Assert.False(Directory.Exists(Path.Combine(run, "epoch-2")), "epoch-2/ was written from a diverged model");
    }

    [Fact]
    public void A_NaN_loss_stops_training_naming_its_step_and_keeps_the_last_good_checkpoint()
    {
        SaveTiny();
        PoisonAfter(12); // step 13's loss is NaN; losses are read back only at the end of the epoch (step 16)
        var run = _dir["nan-loss"];
        var e = Assert.Throws<BertNerException>(() => new Trainer(Options(run)).Run(ToyData.Sentences(64), ToyData.Sentences(16, seed: 5), resume: false));
        output.WriteLine(e.Message);
        Assert.Equal(BertNerErrorKind.InvalidData, e.Kind);
        Assert.Equal("LearningRate", e.Target);
        Assert.Contains("the training loss became NaN at step 13 (epoch 2)", e.Message);
        Assert.Contains($"'{Path.Combine(run, "last")}' (epoch 1, step 8), is intact", e.Message);
        Assert.Contains("-Resume and a lower -LearningRate", e.Message);
        AssertEpochOneCheckpoint(run);

        // The advice works: resuming without the fault finishes the run.
        FaultHooks.AfterTrainingStep = null;
        var resumed = new Trainer(Options(run)).Run(ToyData.Sentences(64), ToyData.Sentences(16, seed: 5), resume: true);
        Assert.Equal(16, resumed.Steps);
    }

    [Fact]
    public void A_weight_that_turns_NaN_on_the_last_step_of_an_epoch_never_reaches_a_checkpoint()
    {
        // The loss of step 16 was computed before the weight went bad, so only a look at the weights catches it.
        SaveTiny();
        PoisonAfter(16);
        var run = _dir["nan-weight"];
        var e = Assert.Throws<BertNerException>(() => new Trainer(Options(run)).Run(ToyData.Sentences(64), null, resume: false));
        output.WriteLine(e.Message);
        Assert.Contains("became NaN or infinite by step 16", e.Message);
        Assert.Contains("(epoch 1, step 8), is intact", e.Message);
        AssertEpochOneCheckpoint(run);
    }

    [Fact]
    public void A_run_stopped_right_after_a_weight_turned_NaN_does_not_save_it()
    {
        SaveTiny();
        PoisonAfter(3);
        using var cts = new CancellationTokenSource();
        var run = _dir["nan-stop"];
        var events = new TrainerEvents { Progress = p => { if (p.Step == 3) cts.Cancel(); } };
        var e = Assert.Throws<BertNerException>(() => new Trainer(Options(run, loggingSteps: 1), events).Run(ToyData.Sentences(64), null, resume: false, cts.Token));
        Assert.Contains("became NaN or infinite by step 3", e.Message);
        Assert.Contains("No checkpoint was written yet", e.Message);
        Assert.False(Directory.Exists(Path.Combine(run, "last")));
    }

    [Fact]
    public void A_full_disk_during_a_checkpoint_stops_with_a_write_error_and_leaves_the_previous_one()
    {
        SaveTiny();
        int optimizerWrites = 0;
        FaultHooks.CheckpointWrite = (point, path) =>
        {
            if (point == "file-data-written" && Path.GetFileName(path) == RunFolder.OptimizerFile && ++optimizerWrites == 2)
                throw new IOException("No space left on device : '" + path + "'");
        };
        var run = _dir["full"];
        var e = Assert.Throws<BertNerException>(() => new Trainer(Options(run)).Run(ToyData.Sentences(64), null, resume: false));
        output.WriteLine(e.Message);
        Assert.Equal(BertNerErrorKind.WriteError, e.Kind);
        Assert.Equal("OutputPath", e.Target);
        Assert.Contains("Could not write last/", e.Message);
        Assert.Contains("No space left on device", e.Message);
        Assert.Contains("(epoch 1, step 8), is intact", e.Message);
        Assert.Contains("continue with -Resume", e.Message);
        Assert.Equal(8, TrainingState.Load(Path.Combine(run, "last", RunFolder.StateFile)).GlobalStep);
        Assert.Empty(Directory.EnumerateFileSystemEntries(run, ".*")); // no staging folder or temporary file left behind

        FaultHooks.CheckpointWrite = null;
        var resumed = new Trainer(Options(run)).Run(ToyData.Sentences(64), null, resume: true);
        Assert.Equal(16, resumed.Steps);
    }

    [SkippableFact]
    public void A_really_full_disk_stops_with_a_write_error_and_the_run_resumes_once_there_is_room()
    {
        SaveTiny();
        // Size the disk from a real run: room for epoch 1 and a bit, not for epoch 2's extra checkpoints.
        var probe = _dir["probe"];
        new Trainer(Options(probe, epochs: 1)).Run(ToyData.Sentences(64), null, resume: false);
        long epochOne = Directory.EnumerateFiles(probe, "*", SearchOption.AllDirectories).Sum(f => (new FileInfo(f).Length + 4095) / 4096 * 4096);
        using var disk = TmpfsMount.TryMount(epochOne + 128 * 1024, readOnly: false, out var whyNot);
        Skip.If(disk is null, whyNot);

        var run = Path.Combine(disk!.Path, "run");
        var e = Assert.Throws<BertNerException>(() => new Trainer(Options(run)).Run(ToyData.Sentences(64), null, resume: false));
        output.WriteLine($"tmpfs of {epochOne + 128 * 1024} bytes: {e.Message}");
        Assert.Equal(BertNerErrorKind.WriteError, e.Kind);
        Assert.Contains("No space left on device", e.Message);
        Assert.Contains("(epoch 1, step 8), is intact", e.Message);
        Assert.Equal(8, TrainingState.Load(Path.Combine(run, "last", RunFolder.StateFile)).GlobalStep);
        using (var m = NerModel.Load(Path.Combine(run, "last"), device: "Cpu")) Assert.Equal(5, m.Labels.Count);

        disk.Resize(8 << 20);
        var resumed = new Trainer(Options(run)).Run(ToyData.Sentences(64), null, resume: true);
        Assert.Equal(16, resumed.Steps);
    }

    [SkippableFact]
    public void A_read_only_output_folder_is_refused_before_training_starts()
    {
        SaveTiny();
        TmpfsMount? mount = null;
        string folder;
        if (Environment.UserName == "root")
        {
            mount = TmpfsMount.TryMount(1 << 20, readOnly: true, out var whyNot);
            Skip.If(mount is null, whyNot);
            folder = mount!.Path;
        }
        else
        {
            folder = _dir["read-only"];
            Directory.CreateDirectory(folder);
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        }
        using (mount)
        {
            int steps = 0;
            var events = new TrainerEvents { Progress = _ => steps++ };
            foreach (var run in new[] { folder, Path.Combine(folder, "run") })
            {
                var e = Assert.Throws<BertNerException>(() => new Trainer(Options(run), events).Run(ToyData.Sentences(64), null, resume: false));
                output.WriteLine(e.Message);
                Assert.Equal(BertNerErrorKind.WriteError, e.Kind);
                Assert.Equal("OutputPath", e.Target);
                Assert.Contains($"Cannot write to the output folder '{run}'", e.Message);
                Assert.Contains("Choose a writable -OutputPath", e.Message);
            }
            Assert.Equal(0, steps);
        }
    }

    [SkippableFact]
    public void A_log_line_that_cannot_be_written_is_reported_once_and_does_not_end_the_run()
    {
        // /dev/full accepts the open and fails every write with ENOSPC, as a full disk does.
        Skip.IfNot(File.Exists("/dev/full"), "needs /dev/full");
        var reported = new List<string>();
        using (var log = new RunLog("/dev/full", reported.Add))
        {
            log.WriteLine("one");
            log.WriteLine("two");
        }
        var why = Assert.Single(reported);
        Assert.Contains("'/dev/full' could not be written", why);
        Assert.Contains("console only", why);
    }
}
