using System.Globalization;
using System.Text;
using BertNer.Evaluation;
using BertNer.IO;
using BertNer.Reports;

namespace BertNer.Training;

/// <summary>
/// The run folder's <c>report.html</c>: loss and F1 charts per epoch, the epoch table, the per-type scores and
/// the entity confusion matrix of the best epoch, and the configuration. One self-contained file (inline CSS
/// and SVG, no scripts), rewritten atomically after every epoch so it can be opened while training runs.
/// </summary>
public static class RunReport
{
    public const string FileName = "report.html";

    private const string TrainColour = "#0969da", ValidationColour = "#d4380d", F1Colour = "#1a7f37",
        PrecisionColour = "#8250df", RecallColour = "#bf8700";

    private const string Css = """
        .cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 16px 0 8px; }
        .card { background: #fff; border: 1px solid #d1d9e0; border-radius: 6px; padding: 8px 14px; min-width: 110px; }
        .card b { display: block; font-size: 20px; font-variant-numeric: tabular-nums; }
        .card span { color: #59636e; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
        h1 code { font-size: 0.85em; }
        .charts { display: flex; flex-wrap: wrap; gap: 16px; margin-bottom: 16px; }
        tr.best td { background: #dafbe1; }
        .swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; vertical-align: baseline; }
        .bar { display: inline-block; width: 60px; height: 8px; background: #eef1f4; border-radius: 4px; margin-left: 8px; vertical-align: middle; }
        .bar i { display: block; height: 8px; border-radius: 4px; background: #1a7f37; }
        tr.avg td { color: #59636e; }
        table.confusion td { text-align: right; min-width: 44px; font-variant-numeric: tabular-nums; }
        table.confusion td.zero { color: #afb8c1; }
        table.confusion th.corner { background: #fff; color: #59636e; font-weight: 400; font-size: 12px; }
        table.confusion .total { background: #f6f8fa; color: #59636e; }
        details { margin-top: 28px; }
        summary { cursor: pointer; font-weight: 600; }
        """;

    /// <summary>Writes <c>report.html</c> into <paramref name="runFolder"/> (atomically) and returns its path.</summary>
    /// <param name="epochs">Every finished epoch, in order.</param>
    /// <param name="bestEvaluation">The validation scores of the best epoch, or null when there is no validation set or they are not at hand (the best epoch came before a resume).</param>
    /// <param name="confusion">The entity confusion of the best epoch, or null.</param>
    public static string Write(string runFolder, IReadOnlyList<NerEpochResult> epochs, NerEvaluation? bestEvaluation,
        EntityConfusion? confusion, TrainingOptions config)
    {
        var folder = Path.GetFullPath(runFolder);
        var path = Path.Combine(folder, FileName);
        AtomicFile.WriteAllText(path, Render(folder, epochs, bestEvaluation, confusion, config, DateTime.UtcNow));
        return path;
    }

    /// <summary>The report as an HTML string.</summary>
    public static string Render(string runFolder, IReadOnlyList<NerEpochResult> epochs, NerEvaluation? bestEvaluation,
        EntityConfusion? confusion, TrainingOptions config, DateTime updatedUtc)
    {
        var name = Path.GetFileName(Path.TrimEndingDirectorySeparator(runFolder));
        var validated = epochs.Any(e => e.F1 is not null);
        // The trainer keeps the first epoch with the highest F1 (without validation: the last epoch).
        var best = validated ? epochs.Where(e => e.F1 is not null).MaxBy(e => e.F1!.Value) : epochs.LastOrDefault();

        var b = new StringBuilder();
        b.Append($"<h1>Training run <code>{E(name)}</code></h1>\n");
        b.Append($"<p class=\"sub\">{E(runFolder)} · updated {updatedUtc.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC</p>\n");
        Cards(b, epochs, best, config);

        b.Append("<h2>Per epoch</h2>\n<div class=\"charts\">\n");
        b.Append(SvgLineChart.Render("Loss", new[]
        {
            new ChartSeries("training", TrainColour, epochs.Select(e => ((double)e.Epoch, e.TrainingLoss)).ToList()),
            new ChartSeries("validation", ValidationColour, Points(epochs, e => e.ValidationLoss), Dashed: true),
        }, floor: 0, ceiling: null, "No finished epoch yet."));
        b.Append(SvgLineChart.Render("Validation scores", new[]
        {
            new ChartSeries("F1", F1Colour, Points(epochs, e => e.F1)),
            new ChartSeries("precision", PrecisionColour, Points(epochs, e => e.Precision), Dashed: true),
            new ChartSeries("recall", RecallColour, Points(epochs, e => e.Recall), Dashed: true),
        }, floor: null, ceiling: 1, epochs.Count == 0 ? "No finished epoch yet." : "No validation set: scores need validation_path."));
        b.Append("</div>\n");
        EpochTable(b, epochs, validated ? best : null);

        if (best is not null && validated)
        {
            b.Append($"<h2>Best epoch ({best.Epoch}): scores per entity type</h2>\n");
            if (bestEvaluation is null)
                b.Append($"<p class=\"note\">The scores of epoch {best.Epoch} were computed before this run was resumed and are not at hand; evaluate the run's best/ folder to see them.</p>\n");
            else TypeTable(b, bestEvaluation);

            b.Append($"<h2>Best epoch ({best.Epoch}): entity confusion</h2>\n");
            if (confusion is null)
                b.Append($"<p class=\"note\">The confusion counts of epoch {best.Epoch} are not at hand (computed before this run was resumed).</p>\n");
            else ConfusionTable(b, confusion);
        }
        else if (epochs.Count > 0)
        {
            b.Append("<p class=\"note\">No validation set: per-type scores and the confusion matrix need validation_path.</p>\n");
        }

        b.Append("<details>\n<summary>Configuration</summary>\n<table>\n");
        foreach (var key in TrainingOptionKeys.All)
            b.Append($"<tr><th><code>{E(key.Name)}</code></th><td><code>{E(TrainingOptionKey.Format(key.Get(config)))}</code></td><td class=\"sub\">{E(key.Comment)}</td></tr>\n");
        b.Append("</table>\n</details>\n");
        return HtmlPage.Document($"BertNer run {name}", Css, b.ToString());
    }

    private static void Cards(StringBuilder b, IReadOnlyList<NerEpochResult> epochs, NerEpochResult? best, TrainingOptions config)
    {
        var time = TimeSpan.FromSeconds(epochs.Sum(e => e.Duration.TotalSeconds));
        b.Append("<div class=\"cards\">\n");
        Card(b, "best F1", best?.F1 is { } f1 ? HtmlPage.Number(f1, "0.0000") : "–");
        Card(b, "best epoch", best is null ? "–" : best.Epoch.ToString(CultureInfo.InvariantCulture));
        Card(b, "epochs", $"{epochs.Count} / {config.Epochs}");
        Card(b, "steps", epochs.Count == 0 ? "0" : epochs[^1].Step.ToString("N0", CultureInfo.InvariantCulture));
        Card(b, "training time", $"{(int)time.TotalHours}:{time:mm\\:ss}");
        // Runs with and without document context are compared side by side: say which one this is at a glance.
        Card(b, "document context", config.DocumentContext > 0 ? $"{config.DocumentContext} sub-tokens" : "none",
            config.DocumentContext > 0 ? $"each sentence read with up to {config.DocumentContext} sub-tokens of its document's neighbouring sentences on each side" : "each sentence read alone");
        Card(b, "model", config.Model is null ? "–" : Path.GetFileName(Path.TrimEndingDirectorySeparator(config.Model)), config.Model);
        b.Append("</div>\n");
    }

    private static void Card(StringBuilder b, string label, string value, string? tooltip = null) =>
        b.Append($"<div class=\"card\"{(tooltip is null ? "" : $" title=\"{E(tooltip)}\"")}><span>{E(label)}</span><b>{E(value)}</b></div>\n");

    private static void EpochTable(StringBuilder b, IReadOnlyList<NerEpochResult> epochs, NerEpochResult? best)
    {
        if (epochs.Count == 0) return;
        b.Append("<table>\n<tr><th class=\"num\">Epoch</th><th class=\"num\">Step</th><th class=\"num\">Train loss</th><th class=\"num\">Val loss</th>")
         .Append("<th class=\"num\">Precision</th><th class=\"num\">Recall</th><th class=\"num\">F1</th><th class=\"num\">Accuracy</th>")
         .Append("<th class=\"num\">Sub-token F1</th><th class=\"num\">Duration</th><th class=\"num\">Tokens/s</th></tr>\n");
        foreach (var e in epochs)
        {
            b.Append(ReferenceEquals(e, best) ? "<tr class=\"best\" title=\"best epoch\">" : "<tr>")
             .Append(Num(e.Epoch.ToString(CultureInfo.InvariantCulture))).Append(Num(e.Step.ToString("N0", CultureInfo.InvariantCulture)))
             .Append(Num(Fraction(e.TrainingLoss))).Append(Num(Fraction(e.ValidationLoss)))
             .Append(Num(Fraction(e.Precision))).Append(Num(Fraction(e.Recall))).Append(Num(Fraction(e.F1))).Append(Num(Fraction(e.Accuracy)))
             .Append(Num(Fraction(e.SubTokenF1))).Append(Num(e.Duration.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture)))
             .Append(Num(e.TokensPerSecond.ToString("N0", CultureInfo.InvariantCulture))).Append("</tr>\n");
        }
        b.Append("</table>\n");
    }

    private static void TypeTable(StringBuilder b, NerEvaluation ev)
    {
        b.Append("<table>\n<tr><th>Type</th><th class=\"num\">Precision</th><th class=\"num\">Recall</th><th class=\"num\">F1</th>")
         .Append("<th class=\"num\">Support</th><th class=\"num\">Predicted</th><th class=\"num\">Correct</th></tr>\n");
        foreach (var t in ev.PerType)
        {
            b.Append($"<tr><td><span class=\"swatch\" style=\"background:{EntityColors.For(t.Type)}\"></span>{E(t.Type)}</td>")
             .Append(Num(Percent(t.Precision))).Append(Num(Percent(t.Recall)))
             .Append($"<td class=\"num\">{Percent(t.F1)}<span class=\"bar\"><i style=\"width:{HtmlPage.Number(100 * t.F1, "0.#")}%\"></i></span></td>")
             .Append(Num(Count(t.Support))).Append(Num(Count(t.Predicted))).Append(Num(Count(t.Correct))).Append("</tr>\n");
        }
        AverageRow(b, "all entities (micro)", ev.Precision, ev.Recall, ev.F1, ev);
        AverageRow(b, "macro avg", ev.MacroPrecision, ev.MacroRecall, ev.MacroF1, ev);
        AverageRow(b, "weighted avg", ev.WeightedPrecision, ev.WeightedRecall, ev.WeightedF1, ev);
        b.Append("</table>\n");
        b.Append($"<p class=\"sub\">{Count(ev.Sentences)} validation sentences, {Count(ev.Tokens)} words; token accuracy {Percent(ev.Accuracy)}. "
            + "Entities are scored as conlleval scores them: type and boundaries must both match.</p>\n");
    }

    private static void AverageRow(StringBuilder b, string label, double p, double r, double f1, NerEvaluation ev) =>
        b.Append($"<tr class=\"avg\"><td>{E(label)}</td>").Append(Num(Percent(p))).Append(Num(Percent(r))).Append(Num(Percent(f1)))
         .Append(Num(Count(ev.GoldEntities))).Append(Num(Count(ev.PredictedEntities))).Append(Num(Count(ev.CorrectEntities))).Append("</tr>\n");

    private static void ConfusionTable(StringBuilder b, EntityConfusion c)
    {
        var types = c.Types;
        var rows = types.Append(EntityConfusion.None).ToList();
        b.Append("<table class=\"confusion\">\n<tr><th class=\"corner\">gold ↓ · predicted →</th>");
        foreach (var t in types) b.Append($"<th class=\"num\"><span class=\"swatch\" style=\"background:{EntityColors.For(t)}\"></span>{E(t)}</th>");
        b.Append("<th class=\"num\" title=\"gold entities not predicted with the same words\">O (missed)</th><th class=\"num total\">gold</th></tr>\n");
        foreach (var gold in rows)
        {
            bool none = gold == EntityConfusion.None;
            b.Append(none ? "<tr><th title=\"predicted entities with no gold entity on the same words\">O (spurious)</th>"
                          : $"<tr><th><span class=\"swatch\" style=\"background:{EntityColors.For(gold)}\"></span>{E(gold)}</th>");
            int rowTotal = rows.Sum(p => c[gold, p]);
            foreach (var predicted in rows)
            {
                if (none && predicted == EntityConfusion.None) { b.Append("<td class=\"zero\">·</td>"); continue; }
                // Shade by share: of the gold entities in a row, or for spurious ones of the type's predictions.
                int whole = none ? rows.Sum(g => c[g, predicted]) : rowTotal;
                b.Append(Cell(c[gold, predicted], whole, correct: gold == predicted, gold, predicted));
            }
            b.Append($"<td class=\"total\">{(none ? "" : Count(rowTotal))}</td></tr>\n");
        }
        b.Append("<tr><th class=\"total\">predicted</th>");
        foreach (var predicted in types) b.Append($"<td class=\"total\">{Count(rows.Sum(g => c[g, predicted]))}</td>");
        b.Append("<td class=\"total\"></td><td class=\"total\"></td></tr>\n</table>\n");
        b.Append("<p class=\"sub\">A gold entity pairs with the prediction that covers exactly the same words: the diagonal holds the correct entities, "
            + "other cells in a row show which type its entities were given instead. Column O counts gold entities with no prediction on the same words "
            + "(missed or cut at the wrong place); row O counts predictions with no gold entity on the same words. "
            + "Shading is the share of the row's gold entities (in row O: of the column's predictions).</p>\n");
    }

    private static string Cell(int n, int whole, bool correct, string gold, string predicted)
    {
        var share = whole == 0 ? 0 : (double)n / whole;
        var tooltip = $"gold {gold}, predicted {predicted}: {Count(n)} ({Percent(share)} of {(gold == EntityConfusion.None ? "the " + predicted + " predictions" : "gold " + gold)})";
        if (n == 0) return $"<td class=\"zero\" title=\"{E(tooltip)}\">0</td>";
        double alpha = 0.12 + 0.73 * share;
        var rgb = correct ? "26, 127, 55" : "207, 34, 46";
        var text = alpha > 0.55 ? "#fff" : "#1f2328";
        return $"<td style=\"background: rgba({rgb}, {HtmlPage.Number(alpha, "0.00")}); color: {text}\" title=\"{E(tooltip)}\">{Count(n)}</td>";
    }

    private static List<(double X, double Y)> Points(IEnumerable<NerEpochResult> epochs, Func<NerEpochResult, double?> value) =>
        epochs.Where(e => value(e) is not null).Select(e => ((double)e.Epoch, value(e)!.Value)).ToList();

    private static string Num(string text) => $"<td class=\"num\">{E(text)}</td>";

    private static string Fraction(double? v) => v is { } x && double.IsFinite(x) ? HtmlPage.Number(x, "0.0000") : "–";

    private static string Percent(double v) => HtmlPage.Number(100 * v, "0.00") + "%";

    private static string Count(int n) => n.ToString("N0", CultureInfo.InvariantCulture);

    private static string E(string text) => HtmlPage.Encode(text);
}
