using System.Globalization;
using BertNer.Evaluation;
using BertNer.Tests.Support;

namespace BertNer.Tests.Evaluation;

/// <summary>Against what conlleval.pl printed for the three cases in ../shared/golden/conlleval.</summary>
public class ConllevalGoldenTests
{
    private static NerEvaluation Evaluate(string name) =>
        ConllEvaluator.Evaluate(GoldenConll.Read(SharedAssets.Require(Path.Combine("golden", "conlleval", name + ".txt"))));

    // As conlleval prints them: a percentage rounded to two decimals.
    private static string Percent(double fraction) => ConllevalReport.Fixed(100 * fraction).Trim();

    private static string Expected(System.Text.Json.Nodes.JsonNode? n) =>
        n!.GetValue<double>().ToString("0.00", CultureInfo.InvariantCulture);

    [SkippableTheory]
    [InlineData("edge_iob2")]
    [InlineData("edge_iob1")]
    [InlineData("valid_perturbed_iob1")]
    public void Counts_and_rounded_scores_equal_conlleval_overall_and_per_type(string name)
    {
        var expected = SharedAssets.Golden("conlleval/expected.json")[name]!;
        var e = Evaluate(name);

        Assert.Equal(expected["tokens"]!.GetValue<int>(), e.Tokens);
        Assert.Equal(expected["gold_phrases"]!.GetValue<int>(), e.GoldEntities);
        Assert.Equal(expected["found_phrases"]!.GetValue<int>(), e.PredictedEntities);
        Assert.Equal(expected["correct_phrases"]!.GetValue<int>(), e.CorrectEntities);
        Assert.Equal(Expected(expected["accuracy"]), Percent(e.Accuracy));
        Assert.Equal(Expected(expected["precision"]), Percent(e.Precision));
        Assert.Equal(Expected(expected["recall"]), Percent(e.Recall));
        Assert.Equal(Expected(expected["f1"]), Percent(e.F1));

        var types = expected["types"]!.AsObject();
        Assert.Equal(types.Select(t => t.Key).Order(StringComparer.Ordinal), e.PerType.Select(t => t.Type));
        foreach (var (type, want) in types)
        {
            var got = e.PerType.Single(t => t.Type == type);
            Assert.Equal(want!["found"]!.GetValue<int>(), got.Predicted);
            Assert.Equal(Expected(want["precision"]), Percent(got.Precision));
            Assert.Equal(Expected(want["recall"]), Percent(got.Recall));
            Assert.Equal(Expected(want["f1"]), Percent(got.F1));
        }
        Assert.Equal(e.GoldEntities, e.PerType.Sum(t => t.Support));
        Assert.Equal(e.CorrectEntities, e.PerType.Sum(t => t.Correct));
    }

    [SkippableTheory]
    [InlineData("edge_iob2")]
    [InlineData("edge_iob1")]
    [InlineData("valid_perturbed_iob1")]
    public void The_report_is_conllevals_output_character_for_character(string name)
    {
        var report = File.ReadAllText(SharedAssets.Require(Path.Combine("golden", "conlleval", name + ".conlleval.txt")));
        Assert.Equal(report, Evaluate(name).ToConllevalReport());
    }

    [SkippableFact]
    public void Streaming_sentence_by_sentence_gives_the_same_result_as_all_at_once()
    {
        var sentences = GoldenConll.Read(SharedAssets.Require("golden/conlleval/valid_perturbed_iob1.txt"));
        var evaluator = new ConllEvaluator();
        NerEvaluation? halfway = null;
        for (var i = 0; i < sentences.Count; i++)
        {
            evaluator.Add(sentences[i].Gold, sentences[i].Predicted);
            if (i == sentences.Count / 2) halfway = evaluator.Result();
        }
        var all = ConllEvaluator.Evaluate(sentences);
        Assert.Equal(all.ToConllevalReport(), evaluator.Result().ToConllevalReport());
        Assert.True(halfway!.Tokens < all.Tokens);
        Assert.Equal(sentences.Count, all.Sentences);
    }
}
