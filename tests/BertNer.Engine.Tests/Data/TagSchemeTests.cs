using BertNer.Data;

namespace BertNer.Tests.Data;

public class TagSchemeTests
{
    [Fact]
    public void Iob1_to_iob2_turns_an_i_that_starts_an_entity_into_b()
    {
        string[] iob1 = ["I-PER", "I-PER", "O", "I-LOC", "B-LOC", "I-LOC", "I-MISC", "I-ORG", "I-ORG"];
        string[] iob2 = ["B-PER", "I-PER", "O", "B-LOC", "B-LOC", "I-LOC", "B-MISC", "B-ORG", "I-ORG"];
        Assert.Equal(iob2, TagScheme.ToIob2(iob1, TagSchemeKind.IOB1));
    }

    [Fact]
    public void Iob1_b_after_o_is_kept_as_the_start_it_marks()
    {
        // The two quirks of CoNLL-2003 train.txt: B-MISC right after O.
        Assert.Equal(["O", "B-MISC", "I-MISC"], TagScheme.ToIob2(["O", "B-MISC", "I-MISC"], TagSchemeKind.IOB1));
    }

    [Fact]
    public void Bioes_to_iob2_maps_s_to_b_and_e_to_i()
    {
        string[] bioes = ["S-PER", "O", "B-ORG", "I-ORG", "E-ORG", "S-LOC", "S-LOC", "B-MISC", "E-MISC"];
        string[] iob2 = ["B-PER", "O", "B-ORG", "I-ORG", "I-ORG", "B-LOC", "B-LOC", "B-MISC", "I-MISC"];
        Assert.Equal(iob2, TagScheme.ToIob2(bioes, TagSchemeKind.BIOES));
    }

    [Fact]
    public void Iob2_input_comes_back_unchanged()
    {
        string[] iob2 = ["B-PER", "I-PER", "B-PER", "O", "B-LOC"];
        Assert.Equal(iob2, TagScheme.ToIob2(iob2, TagSchemeKind.IOB2));
        Assert.Equal(iob2, TagScheme.ToIob2(iob2, TagSchemeKind.IOB1));
    }

    [Theory]
    [InlineData(new[] { "B-PER", "E-PER", "O" }, TagSchemeKind.BIOES, "E-PER", 2)]
    [InlineData(new[] { "O", "I-PER", "S-LOC" }, TagSchemeKind.BIOES, "S-LOC", 3)]
    [InlineData(new[] { "B-PER", "I-PER", "O", "I-LOC" }, TagSchemeKind.IOB1, "I-LOC", 4)]
    [InlineData(new[] { "B-PER", "I-LOC" }, TagSchemeKind.IOB1, "I-LOC", 2)]
    [InlineData(new[] { "I-PER" }, TagSchemeKind.IOB1, "I-PER", 1)]
    [InlineData(new[] { "B-PER", "I-PER", "O", "B-LOC" }, TagSchemeKind.IOB2, null, 0)]
    [InlineData(new string[0], TagSchemeKind.IOB2, null, 0)]
    public void Auto_detects_bioes_then_iob1_then_iob2_and_names_the_deciding_tag(string[] tags, TagSchemeKind expected, string? evidence, int position)
    {
        var d = TagScheme.Detect(tags);
        Assert.Equal(expected, d.Scheme);
        Assert.Equal(evidence, d.EvidenceTag);
        Assert.Equal(position, d.EvidenceLine);
        Assert.False(d.Declared);
    }

    [Theory]
    [InlineData("X-PER", TagSchemeKind.IOB2, "'X-PER' is not a tag")]
    [InlineData("B-", TagSchemeKind.IOB2, "'B-' is not a tag")]
    [InlineData("PER", TagSchemeKind.IOB1, "'PER' is not a tag")]
    [InlineData("b-PER", TagSchemeKind.IOB2, "'b-PER' is not a tag")]
    [InlineData("BPER", TagSchemeKind.BIOES, "'BPER' is not a tag; expected O, or B-, I-, E- or S-")]
    [InlineData("S-PER", TagSchemeKind.IOB2, "'S-PER' is a BIOES tag, but the labels are read as IOB2")]
    [InlineData("E-PER", TagSchemeKind.IOB1, "'E-PER' is a BIOES tag, but the labels are read as IOB1")]
    public void Malformed_or_foreign_tags_are_problems_not_guesses(string tag, TagSchemeKind scheme, string message)
    {
        string[] tags = ["O", tag];
        var problem = TagScheme.TryToIob2(tags, scheme, new string[2]);
        Assert.NotNull(problem);
        Assert.Equal(1, problem!.Value.Index);
        Assert.Contains(message, problem.Value.Message);
        Assert.False(problem.Value.Misplaced);
        Assert.Throws<BertNerException>(() => TagScheme.ToIob2(tags, scheme));
    }

    [Fact]
    public void Iob2_declared_rejects_an_i_that_starts_an_entity_and_says_it_may_be_iob1()
    {
        var problem = TagScheme.TryToIob2(["B-PER", "O", "I-LOC"], TagSchemeKind.IOB2, new string[3]);
        Assert.Equal(2, problem!.Value.Index);
        Assert.Contains("'I-LOC' follows 'O'", problem.Value.Message);
        Assert.Contains("B-LOC", problem.Value.Message);
        Assert.Contains("IOB1", problem.Value.Message);
    }

    [Theory]
    [InlineData(new[] { "O", "I-PER" }, 1, "follows 'O'")]
    [InlineData(new[] { "E-PER" }, 0, "follows the start of the sentence")]
    [InlineData(new[] { "B-PER", "E-PER", "E-PER" }, 2, "follows 'E-PER'")]
    [InlineData(new[] { "B-PER", "I-LOC" }, 1, "follows 'B-PER'")]
    public void Bioes_rejects_an_i_or_e_that_continues_nothing(string[] tags, int index, string message)
    {
        var problem = TagScheme.TryToIob2(tags, TagSchemeKind.BIOES, new string[tags.Length]);
        Assert.Equal(index, problem!.Value.Index);
        Assert.Contains(message, problem.Value.Message);
        Assert.True(problem.Value.Misplaced);
    }

    [Fact]
    public void Converted_labels_share_one_string_per_label()
    {
        var a = TagScheme.ToIob2(["I-PER"], TagSchemeKind.IOB1);
        var b = TagScheme.ToIob2(["O", "I-PER"], TagSchemeKind.IOB1);
        Assert.Same(a[0], b[1]);
    }
}
