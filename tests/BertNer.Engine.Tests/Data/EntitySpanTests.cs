using BertNer.Data;

namespace BertNer.Tests.Data;

public class EntitySpanTests
{
    [Fact]
    public void Iob2_spans_start_at_b_and_run_over_i_of_the_same_type()
    {
        Assert.Equal(
            [new EntitySpan("PER", 0, 2), new EntitySpan("PER", 2, 3), new EntitySpan("LOC", 4, 5), new EntitySpan("ORG", 5, 6)],
            EntitySpan.Find(["B-PER", "I-PER", "B-PER", "O", "B-LOC", "I-ORG"]));
    }

    [Fact]
    public void Iob1_spans_are_the_same_entities_as_conlleval_reads_them()
    {
        Assert.Equal(
            [new EntitySpan("PER", 0, 2), new EntitySpan("PER", 2, 3), new EntitySpan("LOC", 4, 5)],
            EntitySpan.Find(["I-PER", "I-PER", "B-PER", "O", "I-LOC"]));
    }

    [Fact]
    public void A_sentence_ending_inside_an_entity_closes_it()
    {
        Assert.Equal([new EntitySpan("MISC", 1, 3)], EntitySpan.Find(["O", "B-MISC", "I-MISC"]));
        Assert.Empty(EntitySpan.Find(["O", "O"]));
        Assert.Empty(EntitySpan.Find([]));
    }
}
