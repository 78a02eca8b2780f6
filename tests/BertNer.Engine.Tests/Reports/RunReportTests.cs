using System.Globalization;
using System.Text.RegularExpressions;
using BertNer.Evaluation;
using BertNer.Reports;
using BertNer.Tests.Support;
using BertNer.Training;

namespace BertNer.Tests.Reports;

public class RunReportTests
{
    private static List<NerEpochResult> Epochs(params double?[] f1) => f1.Select((f, i) => new NerEpochResult
    {
        Epoch = i + 1, Step = 10 * (i + 1), TrainingLoss = 1.0 / (i + 1), ValidationLoss = f is null ? null : 1.2 / (i + 1),
        Precision = f, Recall = f, F1 = f, Accuracy = f, SubTokenF1 = f, Duration = TimeSpan.FromSeconds(30), TokensPerSecond = 1000,
    }).ToList();

    private static (NerEvaluation, EntityConfusion) Scores()
    {
        var gold = new[] { "B-PER", "I-PER", "O", "B-LOC", "B-ORG" };
        var predicted = new[] { "B-PER", "I-PER", "O", "B-ORG", "O" };
        var confusion = new EntityConfusion();
        confusion.Add(gold, predicted);
        return (ConllEvaluator.Evaluate(new[] { ((IReadOnlyList<string>)gold, (IReadOnlyList<string>)predicted) }), confusion);
    }

    private static string Render(IReadOnlyList<NerEpochResult> epochs, NerEvaluation? evaluation, EntityConfusion? confusion) =>
        RunReport.Render("/runs/demo", epochs, evaluation, confusion, new TrainingOptions { Model = "bert-base-cased", Epochs = 4 }, new DateTime(2026, 11, 25, 12, 0, 0, DateTimeKind.Utc));

    [Fact]
    public void Is_one_self_contained_page_with_two_charts_the_epoch_table_scores_and_confusion()
    {
        var (evaluation, confusion) = Scores();
        var html = Render(Epochs(0.5, 0.8, 0.7), evaluation, confusion);
        Assert.StartsWith("<!DOCTYPE html>", html);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotMatch(new Regex(@"\b(src|href)\s*=", RegexOptions.IgnoreCase), html); // nothing is fetched
        Assert.Equal(2, Regex.Matches(html, "<svg ").Count);
        Assert.Equal(2 * 3 + 3 * 3, Regex.Matches(html, "<circle ").Count); // a point per epoch: 2 loss and 3 score lines
        Assert.Contains("<tr class=\"best\" title=\"best epoch\"><td class=\"num\">2</td>", html); // F1 0.8 is the best
        Assert.Contains("Best epoch (2): scores per entity type", html);
        Assert.Matches(@"PER</td><td class=""num"">100\.00%</td>", html);
        Assert.Contains("title=\"gold LOC, predicted ORG: 1 (100.00% of gold LOC)\">1</td>", html);
        Assert.Contains("O (missed)", html);
        Assert.Contains("<code>learning_rate</code>", html);
    }

    [Fact]
    public void Says_why_scores_are_missing_instead_of_showing_empty_tables()
    {
        var withoutValidation = Render(Epochs(null, null), null, null);
        Assert.Contains("No validation set", withoutValidation);
        Assert.DoesNotContain("scores per entity type", withoutValidation);

        var resumed = Render(Epochs(0.9, 0.5), null, null); // the best epoch came before a resume
        Assert.Contains("The scores of epoch 1 were computed before this run was resumed", resumed);

        var empty = Render(Array.Empty<NerEpochResult>(), null, null);
        Assert.Contains("No finished epoch yet.", empty);
    }

    [Fact]
    public void Escapes_everything_that_comes_from_data_or_paths()
    {
        var gold = new[] { "B-<img>", "O" };
        var confusion = new EntityConfusion();
        confusion.Add(gold, gold);
        var evaluation = ConllEvaluator.Evaluate(new[] { ((IReadOnlyList<string>)gold, (IReadOnlyList<string>)gold) });
        var html = RunReport.Render("/runs/<b>&x", Epochs(0.5), evaluation, confusion, new TrainingOptions { Model = "a\"b" }, DateTime.UtcNow);
        Assert.DoesNotContain("<img>", html);
        Assert.DoesNotContain("<b>&x", html);
        Assert.Contains("&lt;img&gt;", html);
        Assert.Contains("&lt;b&gt;&amp;x", html);
    }

    [Fact]
    public void Numbers_are_written_the_same_in_every_culture()
    {
        var before = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = new CultureInfo("de-DE");
            var html = Render(Epochs(0.5, 0.75), null, null);
            Assert.Contains("0.7500", html);
            Assert.DoesNotContain("0,7500", html);
            Assert.DoesNotMatch(new Regex(@"c[xy]=""[^""]*,"), html);
        }
        finally
        {
            CultureInfo.CurrentCulture = before;
        }
    }

    [Fact]
    public void Write_replaces_the_file_in_the_run_folder()
    {
        using var dir = new TempDir();
        var path = RunReport.Write(dir.Path, Epochs(0.5), null, null, new TrainingOptions());
        Assert.Equal(Path.Combine(dir.Path, RunReport.FileName), path);
        var first = File.ReadAllText(path);
        RunReport.Write(dir.Path, Epochs(0.5, 0.6), null, null, new TrainingOptions());
        Assert.NotEqual(first, File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(dir.Path)); // no temporary file left behind
    }

    [Theory]
    [InlineData(0.05, 0.6, 0.0, null, 0.0, 0.6, 0.2)]
    [InlineData(0.3, 0.95, null, 1.0, 0.2, 1.0, 0.2)]
    [InlineData(1.0, 1.0, null, 1.0, 0.9, 1.0, 0.05)]
    [InlineData(0.912, 0.915, null, 1.0, 0.912, 0.915, 0.001)]
    public void Y_axis_contains_the_data_on_a_1_2_5_grid(double min, double max, double? floor, double? ceiling, double lo, double hi, double step)
    {
        var (aLo, aHi, aStep) = SvgLineChart.YAxis(min, max, floor, ceiling);
        Assert.Equal(step, aStep, 9);
        Assert.Equal(lo, aLo, 9);
        Assert.Equal(hi, aHi, 9);
        Assert.True(aLo <= min && aHi >= max);
    }
}
