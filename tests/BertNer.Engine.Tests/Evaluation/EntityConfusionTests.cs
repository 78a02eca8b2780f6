using BertNer.Data;
using BertNer.Evaluation;

namespace BertNer.Tests.Evaluation;

public class EntityConfusionTests
{
    private static EntityConfusion Count(params (string[] Gold, string[] Predicted)[] sentences)
    {
        var c = new EntityConfusion();
        foreach (var (gold, predicted) in sentences) c.Add(gold, predicted);
        return c;
    }

    [Fact]
    public void Same_words_pair_up_by_type_and_the_rest_is_missed_or_spurious()
    {
        var c = Count(
            (["B-PER", "I-PER", "O", "B-LOC", "O", "B-ORG"], ["B-PER", "I-PER", "O", "B-ORG", "O", "O"]),
            (["O", "B-LOC", "I-LOC", "O"], ["B-MISC", "B-LOC", "O", "O"]));
        Assert.Equal(new[] { "LOC", "MISC", "ORG", "PER" }, c.Types);
        Assert.Equal(1, c["PER", "PER"]);
        Assert.Equal(1, c["LOC", "ORG"]);            // right words, wrong type
        Assert.Equal(1, c["ORG", EntityConfusion.None]); // missed
        Assert.Equal(1, c["LOC", EntityConfusion.None]); // "B-LOC I-LOC" predicted as "B-LOC O": cut short, so missed...
        Assert.Equal(1, c[EntityConfusion.None, "LOC"]); // ...and the short one is spurious
        Assert.Equal(1, c[EntityConfusion.None, "MISC"]);
        Assert.Equal(0, c["LOC", "LOC"]);
        Assert.Equal(1, c.MaxCount);
    }

    [Fact]
    public void Rows_sum_to_gold_columns_to_predicted_and_the_diagonal_to_correct_as_conlleval_counts()
    {
        var sentences = new[]
        {
            (Gold: new[] { "B-PER", "I-PER", "O", "B-LOC" }, Predicted: new[] { "B-PER", "O", "O", "B-LOC" }),
            (Gold: new[] { "B-ORG", "I-ORG", "B-PER" }, Predicted: new[] { "B-ORG", "I-ORG", "B-ORG" }),
            (Gold: new[] { "I-MISC", "O", "B-LOC", "I-LOC" }, Predicted: new[] { "B-MISC", "O", "B-PER", "I-PER" }),
        };
        var c = Count(sentences);
        var e = ConllEvaluator.Evaluate(sentences.Select(s => ((IReadOnlyList<string>)s.Gold, (IReadOnlyList<string>)s.Predicted)));
        var all = c.Types.Append(EntityConfusion.None).ToList();
        foreach (var t in e.PerType)
        {
            Assert.Equal(t.Support, all.Sum(p => c[t.Type, p]));
            Assert.Equal(t.Predicted, all.Sum(g => c[g, t.Type]));
            Assert.Equal(t.Correct, c[t.Type, t.Type]);
        }
        Assert.Equal(e.PerType.Select(t => t.Type), c.Types);
    }

    [Fact]
    public void Counts_validation_sentences_against_their_predictions_and_refuses_mismatched_lengths()
    {
        var sentences = new[] { new NerSentence(["Zoe", "visited", "Paris"], ["B-PER", "O", "B-LOC"]) };
        var c = EntityConfusion.Count(sentences, new[] { new[] { "B-PER", "O", "B-PER" } });
        Assert.Equal(1, c["LOC", "PER"]);
        var e = Assert.Throws<BertNerException>(() => EntityConfusion.Count(sentences, new[] { new[] { "O" } }));
        Assert.Contains("1 predicted labels", e.Message);
        Assert.Throws<BertNerException>(() => EntityConfusion.Count(sentences, Array.Empty<string[]>()));
    }
}
