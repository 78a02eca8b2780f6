using BertNer.Data;

namespace BertNer.Tests.Data;

public class DatasetSummaryTests
{
    [Fact]
    public void Counts_sentences_tokens_documents_entities_and_labels()
    {
        var summary = DatasetSummary.Of(
        [
            new NerSentence(["Angela", "Merkel", "in", "Paris"], ["B-PER", "I-PER", "O", "B-LOC"]) { SourceFile = "a", DocumentIndex = 0 },
            new NerSentence(["Clinton", "Yeltsin"], ["B-PER", "B-PER"]) { SourceFile = "a", DocumentIndex = 0 },
            new NerSentence(["EU"], ["B-ORG"]) { SourceFile = "a", DocumentIndex = 1 },
            new NerSentence(["UN"], ["B-ORG"]) { SourceFile = "b", DocumentIndex = 1 },
        ]);
        Assert.Equal(4, summary.Sentences);
        Assert.Equal(8, summary.Tokens);
        Assert.Equal(3, summary.Documents);
        Assert.Equal(new Dictionary<string, int> { ["LOC"] = 1, ["ORG"] = 2, ["PER"] = 3 }, summary.Entities);
        Assert.Equal(6, summary.EntityCount);
        Assert.Equal(["O", "B-LOC", "B-ORG", "B-PER", "I-PER"], summary.Labels);
        Assert.Equal(["a", "b"], summary.Files);
        Assert.Equal("LOC 1, ORG 2, PER 3", summary.EntitySummary);
        Assert.Equal("4 sentences, 8 tokens, 3 documents; entities: LOC 1, ORG 2, PER 3", summary.ToString());
    }

    [Fact]
    public void Labels_are_ordered_o_first_then_by_type_with_b_before_i()
    {
        var summary = DatasetSummary.Of([new NerSentence(["a", "b", "c", "d", "e"], ["I-PER", "B-PER", "O", "I-MISC", "B-MISC"])]);
        Assert.Equal(["O", "B-MISC", "I-MISC", "B-PER", "I-PER"], summary.Labels);
    }

    [Fact]
    public void An_empty_dataset_says_so()
    {
        var summary = new DatasetSummary();
        Assert.Equal(0, summary.Documents);
        Assert.Equal("(none)", summary.EntitySummary);
    }
}
