using BertNer.Data;
using BertNer.Tests.Support;

namespace BertNer.Tests.Data;

/// <summary>Bad input: every error names file:line, what was found and what was expected.</summary>
public class ConllReaderErrorTests
{
    private static BertNerException ReadFails(string path, ConllReaderOptions? options = null) =>
        Assert.Throws<BertNerException>(() => ConllReader.ReadFile(path, options).ToList());

    private static void AssertNames(BertNerException e, string path, int line, params string[] parts)
    {
        Assert.Equal($"{path}:{line}", e.Target);
        Assert.StartsWith($"{path}:{line}: ", e.Message);
        foreach (var part in parts) Assert.Contains(part, e.Message);
    }

    [Fact]
    public void A_line_with_the_wrong_column_count_is_named_with_both_counts()
    {
        using var dir = new TempDir();
        var path = ConllFiles.Write(dir, "cols.txt", "-DOCSTART- -X- O", "", "EU NNP B-ORG", "rejects VBZ O", "", "German B-MISC", "call VB O");
        var e = ReadFails(path);
        Assert.Equal(BertNerErrorKind.InvalidData, e.Kind);
        AssertNames(e, path, 6, "found 2 column(s)", "expected 3", "line 3");
    }

    [Fact]
    public void An_empty_label_in_a_tab_separated_file_is_named()
    {
        using var dir = new TempDir();
        var path = ConllFiles.Write(dir, "tab.txt", "EU\tNNP\tB-ORG", "rejects\tVBZ\tO", "", "German\tJJ\t", "call\tVB\tO");
        AssertNames(ReadFails(path), path, 4, "label (column 2) is empty", "expected O or a tag");
    }

    [Fact]
    public void An_empty_token_is_named()
    {
        using var dir = new TempDir();
        var path = ConllFiles.Write(dir, "tok.txt", "EU\tB-ORG", "\tO");
        AssertNames(ReadFails(path), path, 2, "token (column 0) is empty");
    }

    [Fact]
    public void A_token_with_a_space_is_refused_rather_than_split_later()
    {
        using var dir = new TempDir();
        var path = ConllFiles.Write(dir, "sp.txt", "in\tO", "New York\tB-LOC");
        AssertNames(ReadFails(path), path, 2, "'New York'", "contains a space");
    }

    [Theory]
    [InlineData("X-PER", "'X-PER' is not a tag")]
    [InlineData("B-", "'B-' is not a tag")]
    [InlineData("PER", "'PER' is not a tag")]
    [InlineData("0", "'0' is not a tag")]
    public void An_invalid_tag_is_named_with_what_a_tag_looks_like(string tag, string found)
    {
        using var dir = new TempDir();
        var path = ConllFiles.Write(dir, "tag.txt", "a O", "b B-PER", "", "c O", $"d {tag}", "e O");
        var e = ReadFails(path);
        Assert.Equal(BertNerErrorKind.InvalidData, e.Kind);
        AssertNames(e, path, 5, found, "expected O, or B- or I- followed by an entity type");
        Assert.DoesNotContain("Labels are read as", e.Message); // the scheme is beside the point here
    }

    [Fact]
    public void A_label_that_is_no_tag_in_a_wide_file_names_the_column_that_holds_tags()
    {
        // Six columns, the NER tags in column 3 and a Y/N flag last: the default label column (-1) reads 'Y'.
        using var dir = new TempDir();
        var path = ConllFiles.Write(dir, "six.txt",
            "EU NNP B-NP B-ORG 1 Y", "rejects VBZ B-VP O 2 N", "", "Peter NNP B-NP B-PER 1 Y", "Blackburn NNP I-NP I-PER 2 N");
        var e = Assert.Throws<ConllLabelColumnException>(() => ConllReader.ReadFile(path).ToList());
        Assert.Equal(BertNerErrorKind.InvalidData, e.Kind);
        // Column 2 (chunks) looks like tags too; both are named with the types seen, so the reader can tell them apart.
        AssertNames(e, path, 1, "'Y' is not a tag", "read from column 5, the last of 6 (counting from 0)",
            "columns 2 (NP, VP) and 3 (ORG, PER) hold tags on every line");
        Assert.Equal([2, 3], e.TagColumns);
        Assert.Equal(5, e.LabelColumn);
        Assert.Equal(6, e.ColumnCount);
    }

    [Fact]
    public void A_label_that_is_no_tag_names_the_one_tag_column_and_says_when_there_is_none()
    {
        using var dir = new TempDir();
        var one = ConllFiles.Write(dir, "one.txt", "EU B-ORG x", "rejects O y", "", "Paris B-LOC O", "", "Zoe B-PER z");
        var e = Assert.Throws<ConllLabelColumnException>(() => ConllReader.ReadFile(one).ToList());
        AssertNames(e, one, 1, "'x' is not a tag", "column 1 (ORG, LOC, PER) holds tags on every line; the labels are probably there.");
        Assert.Equal([1], e.TagColumns);

        var none = ConllFiles.Write(dir, "none.txt", "EU NNP x", "rejects VBZ y");
        e = Assert.Throws<ConllLabelColumnException>(() => ConllReader.ReadFile(none).ToList());
        AssertNames(e, none, 1, "'x' is not a tag", "no other column holds tags on every line");
        Assert.Empty(e.TagColumns);

        // Reading on past bad sentences still reports each one (the columns are looked for once).
        var problems = new List<BertNerException>();
        Assert.Equal("Paris", Assert.Single(new ConllReader(one).Read(problems.Add).ToList()).Text);
        Assert.Equal(2, problems.Count);
        Assert.All(problems, p => Assert.Contains("column 1 (ORG, LOC, PER)", p.Message));
    }

    [Fact]
    public void A_tag_that_is_well_formed_but_out_of_place_gets_no_column_hint()
    {
        using var dir = new TempDir();
        var path = ConllFiles.Write(dir, "b.txt", "a NN O", "b NN S-PER");
        var e = Assert.Throws<BertNerException>(() => ConllReader.ReadFile(path, new ConllReaderOptions { Scheme = TagSchemeKind.IOB2 }).ToList());
        Assert.DoesNotContain("column", e.Message);
    }

    [Fact]
    public void A_declared_iob2_file_with_iob1_entities_fails_at_the_first_one_and_says_why()
    {
        using var dir = new TempDir();
        var path = ConllFiles.Write(dir, "iob1.txt", "a B-PER", "b I-PER", "c O", "d I-LOC");
        var e = ReadFails(path, new ConllReaderOptions { Scheme = TagSchemeKind.IOB2 });
        AssertNames(e, path, 4, "'I-LOC' follows 'O'", "B-LOC", "read it as IOB1", "IOB2 (as declared)");
    }

    [Fact]
    public void A_bioes_file_with_an_e_that_continues_nothing_names_the_line_and_the_detection()
    {
        using var dir = new TempDir();
        var path = ConllFiles.Write(dir, "bioes.txt", "a S-PER", "", "b O", "c E-LOC");
        var e = ReadFails(path);
        AssertNames(e, path, 4, "'E-LOC' follows 'O'", "BIOES (detected: S-PER at line 1)");
    }

    [Fact]
    public void A_bioes_tag_in_a_declared_iob1_file_is_named()
    {
        using var dir = new TempDir();
        var path = ConllFiles.Write(dir, "mixed.txt", "a I-PER", "b S-LOC");
        AssertNames(ReadFails(path, new ConllReaderOptions { Scheme = TagSchemeKind.IOB1 }), path, 2, "'S-LOC' is a BIOES tag");
    }

    [Fact]
    public void Invalid_utf8_names_the_line_with_the_bad_bytes()
    {
        using var dir = new TempDir();
        var path = dir["latin1.txt"];
        File.WriteAllBytes(path, [.. "a O\nb O\n\nM"u8, 0xFC, .. "ller B-PER\n"u8]);
        var e = ReadFails(path);
        Assert.Equal(BertNerErrorKind.InvalidData, e.Kind);
        AssertNames(e, path, 4, "not valid UTF-8", "FC");
    }

    [Fact]
    public void A_one_column_file_is_not_taken_for_conll()
    {
        using var dir = new TempDir();
        var path = ConllFiles.Write(dir, "one.txt", "", "just", "words");
        AssertNames(ReadFails(path), path, 2, "1 column ('just')", "at least a token and a label");
    }

    [Fact]
    public void A_column_number_outside_the_file_is_an_argument_error_naming_the_columns_there_are()
    {
        using var dir = new TempDir();
        var path = ConllFiles.Write(dir, "two.txt", "a O");
        var e = ReadFails(path, new ConllReaderOptions { LabelColumn = 3 });
        Assert.Equal(BertNerErrorKind.InvalidArgument, e.Kind);
        AssertNames(e, path, 1, "2 columns", "no label column 3");
        e = ReadFails(path, new ConllReaderOptions { TokenColumn = -1 });
        AssertNames(e, path, 1, "both column 1");
    }

    [Fact]
    public void A_missing_file_is_object_not_found()
    {
        using var dir = new TempDir();
        var e = ReadFails(dir["nope.txt"]);
        Assert.Equal(BertNerErrorKind.ObjectNotFound, e.Kind);
        Assert.Contains(dir["nope.txt"], e.Message);
    }

    [Fact]
    public void With_a_callback_each_bad_sentence_is_reported_once_and_skipped_and_the_rest_comes_out()
    {
        using var dir = new TempDir();
        var path = ConllFiles.Write(dir, "mixed.txt",
            "a O", "", // 0: good
            "b X-PER", "c O", "", // 1: bad tag at line 3
            "d O", "e O O", "f O", "", // 2: bad column count at line 7, reported once
            "g B-LOC"); // 3: good
        var errors = new List<BertNerException>();
        var good = new ConllReader(path).Read(errors.Add).ToList();
        Assert.Equal([["a"], ["g"]], good.Select(s => s.Tokens));
        Assert.Equal([0, 3], good.Select(s => s.SentenceIndex));
        Assert.Equal([$"{path}:3", $"{path}:7"], errors.Select(e => e.Target));
        Assert.All(errors, e => Assert.Equal(BertNerErrorKind.InvalidData, e.Kind));
    }

    [Fact]
    public void Without_a_callback_the_sentences_before_the_bad_one_still_stream_out()
    {
        using var dir = new TempDir();
        var path = ConllFiles.Write(dir, "late.txt", "a O", "", "b O", "", "c B-");
        var seen = new List<string>();
        var e = Assert.Throws<BertNerException>(() => { foreach (var s in ConllReader.ReadFile(path)) seen.Add(s.Tokens[0]); });
        Assert.Equal(["a", "b"], seen);
        Assert.Equal($"{path}:5", e.Target);
    }
}
