using BertNer.Data;
using BertNer.Evaluation;

namespace BertNer.Tests.Evaluation;

public class ConllEvaluatorTests
{
    private static NerEvaluation Score(params (string[] Gold, string[] Predicted)[] sentences) =>
        ConllEvaluator.Evaluate(sentences.Select(s => ((IReadOnlyList<string>)s.Gold, (IReadOnlyList<string>)s.Predicted)));

    [Fact]
    public void Perfect_predictions_score_one_everywhere()
    {
        var e = Score((["B-PER", "I-PER", "O", "B-LOC"], ["B-PER", "I-PER", "O", "B-LOC"]));
        Assert.Equal((1.0, 1.0, 1.0, 1.0), (e.Precision, e.Recall, e.F1, e.Accuracy));
        Assert.Equal((4, 2, 2, 2), (e.Tokens, e.GoldEntities, e.PredictedEntities, e.CorrectEntities));
        Assert.Equal(1.0, e.MacroF1);
        Assert.Equal(1.0, e.WeightedF1);
    }

    [Fact]
    public void Nothing_predicted_gives_precision_and_f1_zero_not_nan()
    {
        var e = Score((["B-PER", "O"], ["O", "O"]));
        Assert.Equal(0, e.Precision);
        Assert.Equal(0, e.Recall);
        Assert.Equal(0, e.F1);
        Assert.Equal(0.5, e.Accuracy);
        Assert.Equal(0, e.PerType.Single().Precision);
        Assert.Contains("processed 2 tokens with 1 phrases; found: 0 phrases; correct: 0.", e.ToConllevalReport());
        Assert.Contains("precision:   0.00%; recall:   0.00%; FB1:   0.00", e.ToConllevalReport());
    }

    [Fact]
    public void An_empty_evaluation_is_all_zeros_and_prints_only_the_counts_line()
    {
        var e = new ConllEvaluator().Result();
        Assert.Equal((0, 0, 0.0, 0.0), (e.Tokens, e.PerType.Count, e.F1, e.MacroF1));
        Assert.Equal("processed 0 tokens with 0 phrases; found: 0 phrases; correct: 0.\n", e.ToConllevalReport());
    }

    [Fact]
    public void Iob1_gold_against_iob2_predictions_of_the_same_entities_is_entity_perfect()
    {
        string[] iob1 = ["I-PER", "I-PER", "B-PER", "O", "I-LOC"];
        var e = Score((iob1, TagScheme.ToIob2(iob1, TagSchemeKind.IOB1)));
        Assert.Equal(1.0, e.F1);
        Assert.Equal(3, e.CorrectEntities);
        Assert.Equal(0.6, e.Accuracy, 12); // tags differ as strings at tokens 0 and 4
    }

    [Fact]
    public void Boundary_and_type_errors_count_as_conlleval_counts_them()
    {
        var e = Score(
            (["B-ORG", "I-ORG", "O"], ["B-ORG", "O", "O"]),          // boundary error: found 1, correct 0
            (["B-PER", "I-PER"], ["B-LOC", "I-LOC"]),                // type error
            (["O", "B-MISC", "I-MISC"], ["O", "I-MISC", "I-MISC"])); // I- after O starts an entity: correct
        Assert.Equal((3, 3, 1), (e.GoldEntities, e.PredictedEntities, e.CorrectEntities));
        var misc = e.PerType.Single(t => t.Type == "MISC");
        Assert.Equal((1, 1, 1), (misc.Support, misc.Predicted, misc.Correct));
        var loc = e.PerType.Single(t => t.Type == "LOC");
        Assert.Equal((0, 1, 0, 0.0), (loc.Support, loc.Predicted, loc.Correct, loc.Recall));
    }

    [Fact]
    public void An_entity_does_not_run_across_a_sentence_boundary()
    {
        var e = Score((["O", "B-PER"], ["O", "B-PER"]), (["I-PER", "O"], ["I-PER", "O"]));
        Assert.Equal((2, 2, 2), (e.GoldEntities, e.PredictedEntities, e.CorrectEntities));
    }

    [Fact]
    public void Macro_averages_weigh_types_equally_and_weighted_averages_by_support()
    {
        // PER: 3 gold, all found (P=R=1). LOC: 1 gold, predicted as O, plus one spurious LOC (P=R=0).
        var e = Score(
            (["B-PER", "O", "B-PER", "O", "B-PER"], ["B-PER", "O", "B-PER", "O", "B-PER"]),
            (["B-LOC", "O"], ["O", "B-LOC"]));
        Assert.Equal(0.5, e.MacroPrecision);
        Assert.Equal(0.5, e.MacroRecall);
        Assert.Equal(0.5, e.MacroF1);
        Assert.Equal(0.75, e.WeightedPrecision);
        Assert.Equal(0.75, e.WeightedRecall);
        Assert.Equal(0.75, e.WeightedF1);
        Assert.Equal(0.75, e.Precision);
        Assert.Equal(0.75, e.Recall);
    }

    [Fact]
    public void Sentences_with_predictions_can_be_scored_directly_and_loss_is_the_callers()
    {
        var s = new NerSentence(["Angela", "Merkel"], ["B-PER", "I-PER"]) { PredictedLabels = ["B-PER", "B-PER"] };
        var e = ConllEvaluator.Evaluate([s]);
        Assert.Equal((1, 2, 0), (e.GoldEntities, e.PredictedEntities, e.CorrectEntities));
        Assert.Null(e.Loss);
        e.Loss = 0.25;
        Assert.EndsWith("; loss 0.25", e.ToString());
        Assert.StartsWith("F1 0.00% (precision 0.00%, recall 0.00%), accuracy 50.00%", e.ToString());
    }

    [Fact]
    public void Mismatched_lengths_and_missing_predictions_are_errors_that_say_which_sentence()
    {
        var evaluator = new ConllEvaluator();
        evaluator.Add(["O"], ["O"]);
        var e = Assert.Throws<BertNerException>(() => evaluator.Add(["O", "O"], ["O"]));
        Assert.Contains("Sentence 2 has 2 gold labels but 1 predicted labels", e.Message);
        var s = new NerSentence(["a"], ["O"]) { SourceFile = "f.txt", Line = 9, SentenceIndex = 4 };
        e = Assert.Throws<BertNerException>(() => evaluator.Add(s));
        Assert.Contains("Sentence 4 of f.txt:9 has no predicted labels", e.Message);
        Assert.Equal("f.txt:9", e.Target);
    }

    [Theory]
    [InlineData(3.125, "  3.12")]   // an exact tie in binary: printf rounds it to even
    [InlineData(0.375, "  0.38")]   // and this one up
    [InlineData(2.675, "  2.67")]   // 2.67499999... in binary
    [InlineData(66.66666666666667, " 66.67")]
    [InlineData(100.0, "100.00")]
    [InlineData(0.0, "  0.00")]
    public void Percentages_round_like_printf(double value, string printed)
    {
        Assert.Equal(printed, ConllevalReport.Fixed(value));
    }
}
