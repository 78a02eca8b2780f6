using BertNer.Tests.Support;
using BertNer.Training;

namespace BertNer.Tests.Training;

/// <summary>The report.html the trainer writes after every epoch (tiny model, toy data).</summary>
public class TrainerReportTests
{
    private static TrainingOptions Options(TempDir dir, string run) => new()
    {
        Model = dir["tiny"], OutputPath = dir[run], Epochs = 2, LearningRate = 2e-3, BatchSize = 8, EvalBatchSize = 16, Device = "Cpu", Seed = 42,
    };

    private static void SaveTiny(TempDir dir)
    {
        using var m = TinyModel.Create(dir["tiny-src"]);
        m.Save(dir["tiny"]);
    }

    [Fact]
    public void Every_epoch_rewrites_the_report_with_the_best_epochs_scores_and_confusion()
    {
        using var dir = new TempDir();
        SaveTiny(dir);
        var reports = new List<string>();
        var events = new TrainerEvents { EpochCompleted = _ => reports.Add(File.ReadAllText(Path.Combine(dir["run"], RunReport.FileName))) };
        var run = new Trainer(Options(dir, "run"), events).Run(ToyData.Sentences(32), ToyData.Sentences(16, seed: 5), resume: false);
        Assert.Equal(2, reports.Count);
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Matches(reports[1], "<tr class=\"best\"|<tr><td class=\"num\">").Count);
        Assert.Contains($"Best epoch ({run.BestEpoch}): entity confusion", reports[1]);
        Assert.Contains("<th><span class=\"swatch\" style=\"background:#aa9cfc\"></span>PER</th>", reports[1]);
    }

    [Fact]
    public void A_report_that_cannot_be_written_is_a_warning_and_training_goes_on()
    {
        using var dir = new TempDir();
        SaveTiny(dir);
        Directory.CreateDirectory(Path.Combine(dir["run"], RunReport.FileName)); // a folder where the file should go
        var warnings = new List<string>();
        var run = new Trainer(Options(dir, "run"), new TrainerEvents { Warning = warnings.Add })
            .Run(ToyData.Sentences(32), ToyData.Sentences(16, seed: 5), resume: false);
        Assert.Equal(2, run.Epochs.Count);
        Assert.Equal(2, warnings.Count(w => w.StartsWith($"Could not write {RunReport.FileName} in '{dir["run"]}'", StringComparison.Ordinal)));
    }
}
