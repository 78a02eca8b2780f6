using System.Text.Json.Nodes;
using BertNer.Checkpoints;
using BertNer.Data;
using BertNer.Modeling;
using BertNer.Tests.Support;
using BertNer.Training;
using Xunit.Abstractions;

namespace BertNer.Tests.Reliability;

/// <summary>The tiny model, the toy data and one uninterrupted run in a child process, shared by the kill tests.</summary>
public sealed class UninterruptedRun : IDisposable
{
    public TempDir Dir { get; } = new();
    public string Model => Dir["tiny"];
    public string Train => Dir["train.txt"];
    public string Valid => Dir["valid.txt"];
    public string Output => Dir["uninterrupted"];

    public UninterruptedRun()
    {
        using (var tiny = TinyModel.Create(Dir["tiny-src"])) tiny.Save(Model);
        ConllWriter.WriteFile(Train, ToyData.Sentences(64));
        ConllWriter.WriteFile(Valid, ToyData.Sentences(16, seed: 5));
        using var child = new ChildTraining(Arguments(Output));
        var code = child.WaitForExit();
        if (code != 0) throw new InvalidOperationException($"The uninterrupted run failed ({code}):\n{child.Transcript}");
    }

    /// <summary>2 epochs of 8 steps: a kill in epoch 2 always has epoch 1's checkpoint to fall back on.</summary>
    public string[] Arguments(string output, params string[] more) =>
        new[] { "--model", Model, "--train", Train, "--valid", Valid, "--out", output, "--epochs", "2", "--lr", "0.002", "--batch", "8", "--seed", "42" }
            .Concat(more).ToArray();

    public void Dispose() => Dir.Dispose();
}

/// <summary>
/// A training run killed with SIGKILL in the middle of an epoch, inside a checkpoint file write, between the two
/// renames that replace last/, before a finished epoch folder is moved into place, and inside the metrics write. After every kill each checkpoint folder
/// that exists is whole and loads; -Resume then ends with the metrics and weights of the uninterrupted run.
/// </summary>
public class KillAndResumeTests(UninterruptedRun baseline, ITestOutputHelper output) : IClassFixture<UninterruptedRun>
{
    [Fact]
    public void Killed_in_the_middle_of_epoch_two() =>
        KillResumeCompare("mid-epoch", child => child.WaitFor(l => l == "STEP 12"));

    [Fact]
    public void Killed_while_writing_the_optimizer_state_of_last() =>
        KillResumeCompare("optimizer-write", child => child.WaitFor(l => l.StartsWith("PAUSED")), "--pause-at", "file-data-written:optimizer.safetensors:2");

    [Fact]
    public void Killed_between_the_renames_that_replace_last() =>
        KillResumeCompare("last-renames", child => child.WaitFor(l => l.StartsWith("PAUSED")), "--pause-at", "folder-moved-aside:last:2");

    [Fact]
    public void Killed_with_epoch_two_built_but_not_yet_moved_into_place() =>
        KillResumeCompare("epoch-built", child => child.WaitFor(l => l.StartsWith("PAUSED")), "--pause-at", "folder-built:epoch-2:1");

    [Fact]
    public void Killed_while_writing_the_metrics_of_the_last_epoch() =>
        KillResumeCompare("metrics-write", child => child.WaitFor(l => l.StartsWith("PAUSED")), "--pause-at", "file-data-written:metrics.jsonl:2");

    private void KillResumeCompare(string name, Action<ChildTraining> killPoint, params string[] fault)
    {
        var run = baseline.Dir[name];
        using (var child = new ChildTraining(baseline.Arguments(run, fault)))
        {
            killPoint(child);
            child.Kill();
            output.WriteLine($"{name}: killed after: {child.Transcript.Split('\n')[^1]}");
        }
        AssertEveryCheckpointIsWhole(run);

        using (var resumed = new ChildTraining(baseline.Arguments(run, "--resume")))
        {
            var code = resumed.WaitForExit();
            Assert.True(code == 0, $"resume exited with {code}:\n{resumed.Transcript}");
        }
        AssertEveryCheckpointIsWhole(run);
        AssertSameMetrics(Path.Combine(baseline.Output, RunFolder.MetricsFile), Path.Combine(run, RunFolder.MetricsFile));
        foreach (var folder in new[] { "last", "best", "epoch-1", "epoch-2" })
            AssertSameWeights(Path.Combine(baseline.Output, folder), Path.Combine(run, folder));
        output.WriteLine($"{name}: resumed to the same metrics and weights as the uninterrupted run");
    }

    /// <summary>best/, last/ and epoch-N/ may be missing after a kill, but one that exists has every file and loads.</summary>
    private static void AssertEveryCheckpointIsWhole(string run)
    {
        var model = new[] { "config.json", StateDictFile.SafeTensorsName, "vocab.txt", "tokenizer_config.json", "special_tokens_map.json" };
        foreach (var folder in Directory.EnumerateDirectories(run).Where(d => Path.GetFileName(d) is "best" or "last" || Path.GetFileName(d).StartsWith("epoch-")))
        {
            var needed = Path.GetFileName(folder) == "last" ? model.Concat(new[] { RunFolder.StateFile, RunFolder.OptimizerFile, RunFolder.RngFile }) : model;
            foreach (var file in needed)
                Assert.True(File.Exists(Path.Combine(folder, file)), $"{folder} lacks {file}: a half-written checkpoint");
            using (var m = NerModel.Load(folder, device: "Cpu")) Assert.Equal(5, m.Labels.Count);
            if (Path.GetFileName(folder) == "last")
            {
                Assert.True(TrainingState.Load(Path.Combine(folder, RunFolder.StateFile)).GlobalStep > 0);
                foreach (var t in SafeTensors.Load(Path.Combine(folder, RunFolder.OptimizerFile)).Values) t.Dispose();
            }
        }
    }

    private static void AssertSameMetrics(string expectedPath, string actualPath)
    {
        var expected = File.ReadAllLines(expectedPath).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        var actual = File.ReadAllLines(actualPath).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            foreach (var key in new[] { "epoch", "step", "precision", "recall", "f1", "accuracy", "sub_token_f1", "validation_loss" })
                Assert.True(expected[i][key]!.ToJsonString() == actual[i][key]!.ToJsonString(), $"epoch {i + 1} {key}: {expected[i][key]} vs {actual[i][key]}");
            // The training loss is summed per progress window, and windows follow the clock: equal up to float rounding.
            double e = expected[i]["training_loss"]!.GetValue<double>(), a = actual[i]["training_loss"]!.GetValue<double>();
            Assert.True(Math.Abs(e - a) <= 1e-5 * Math.Abs(e), $"epoch {i + 1} training_loss: {e} vs {a}");
        }
    }

    private static void AssertSameWeights(string expected, string actual)
    {
        var x = SafeTensors.Load(Path.Combine(expected, StateDictFile.SafeTensorsName));
        var y = SafeTensors.Load(Path.Combine(actual, StateDictFile.SafeTensorsName));
        Assert.Equal(x.Keys.OrderBy(k => k), y.Keys.OrderBy(k => k));
        foreach (var k in x.Keys)
        {
            var d = (x[k] - y[k]).abs().max().item<float>();
            Assert.True(d <= 1e-6, $"{actual}: {k} differs by {d} from the uninterrupted run");
        }
    }
}
