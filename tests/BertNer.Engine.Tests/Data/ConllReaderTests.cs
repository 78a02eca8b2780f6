using BertNer.Data;
using BertNer.Tests.Support;

namespace BertNer.Tests.Data;

/// <summary>What the reader accepts: layouts, separators, line endings, encodings, column choice.</summary>
public class ConllReaderTests
{
    private static readonly string[] FourColumns =
    [
        "-DOCSTART- -X- -X- O",
        "",
        "EU NNP B-NP I-ORG",
        "rejects VBZ B-VP O",
        "German JJ B-NP I-MISC",
        "",
        "",
        "",
        "Peter NNP B-NP I-PER",
        "Blackburn NNP I-NP I-PER",
        "",
        "-DOCSTART- -X- -X- O",
        "",
        "BRUSSELS NNP B-NP I-LOC",
        "",
        "",
    ];

    [Fact]
    public void Reads_documents_sentences_and_first_token_lines_across_blank_lines()
    {
        using var dir = new TempDir();
        var path = ConllFiles.Write(dir, "a.txt", FourColumns);
        var s = ConllReader.ReadFile(path).ToList();

        Assert.Equal(3, s.Count);
        Assert.Equal(["EU", "rejects", "German"], s[0].Tokens);
        Assert.Equal(["B-ORG", "O", "B-MISC"], s[0].Labels);
        Assert.Equal(["Peter", "Blackburn"], s[1].Tokens);
        Assert.Equal(["B-PER", "I-PER"], s[1].Labels);
        Assert.Equal(["B-LOC"], s[2].Labels);
        Assert.Equal([0, 0, 1], s.Select(x => x.DocumentIndex));
        Assert.Equal([0, 1, 2], s.Select(x => x.SentenceIndex));
        Assert.Equal([3, 9, 14], s.Select(x => x.Line));
        Assert.All(s, x => Assert.Equal(path, x.SourceFile));
        Assert.All(s, x => Assert.Null(x.PredictedLabels));
    }

    [Fact]
    public void Crlf_bom_and_whitespace_only_lines_read_the_same_as_plain_lf()
    {
        using var dir = new TempDir();
        var plain = ConllReader.ReadFile(ConllFiles.Write(dir, "lf.txt", FourColumns)).ToList();
        var lines = FourColumns.Select(l => l.Length == 0 ? "  \t " : l).ToArray();
        var crlfBom = ConllReader.ReadFile(ConllFiles.Write(dir, "crlf.txt", "\r\n", bom: true, lines)).ToList();
        // A BOM left on "-DOCSTART-" would make it a token line, a CR would end up in every label.
        AssertSame(plain, crlfBom);
        Assert.Equal(plain.Select(x => x.Line), crlfBom.Select(x => x.Line));
    }

    [Fact]
    public void A_bom_right_before_the_first_token_is_not_part_of_it()
    {
        using var dir = new TempDir();
        var s = ConllReader.ReadFile(ConllFiles.Write(dir, "bom.txt", "\n", bom: true, "Zoë B-PER", "Müller I-PER")).Single();
        Assert.Equal(["Zoë", "Müller"], s.Tokens);
        Assert.Equal(1, s.Line);
    }

    [Fact]
    public void Tabs_and_runs_of_spaces_separate_columns()
    {
        using var dir = new TempDir();
        var tabs = ConllFiles.Write(dir, "tabs.txt", "New\tNNP\tB-LOC", "York\tNNP\tI-LOC", "", "is\tVBZ\tO");
        var spaces = ConllFiles.Write(dir, "spaces.txt", "New    NNP  B-LOC", "  York NNP I-LOC  ", "", "is VBZ O");
        var a = ConllReader.ReadFile(tabs).ToList();
        var b = ConllReader.ReadFile(spaces).ToList();
        Assert.Equal(["New", "York"], a[0].Tokens);
        Assert.Equal(["B-LOC", "I-LOC"], a[0].Labels);
        AssertSame(a, b);
    }

    [Fact]
    public void Two_columns_need_no_options()
    {
        using var dir = new TempDir();
        var s = ConllReader.ReadFile(ConllFiles.Write(dir, "two.txt", "Angela B-PER", "Merkel I-PER", "visited O", "Paris B-LOC")).Single();
        Assert.Equal(["Angela", "Merkel", "visited", "Paris"], s.Tokens);
        Assert.Equal(["B-PER", "I-PER", "O", "B-LOC"], s.Labels);
        Assert.Equal(0, s.DocumentIndex);
    }

    [Fact]
    public void Token_and_label_columns_can_be_chosen_counting_from_zero_or_from_the_end()
    {
        using var dir = new TempDir();
        // id, token, label, extra
        var path = ConllFiles.Write(dir, "cols.txt", "1 Angela B-PER x", "2 Merkel I-PER x", "3 visited O x");
        var byIndex = ConllReader.ReadFile(path, new ConllReaderOptions { TokenColumn = 1, LabelColumn = 2 }).Single();
        var fromEnd = ConllReader.ReadFile(path, new ConllReaderOptions { TokenColumn = -3, LabelColumn = -2 }).Single();
        Assert.Equal(["Angela", "Merkel", "visited"], byIndex.Tokens);
        Assert.Equal(["B-PER", "I-PER", "O"], byIndex.Labels);
        AssertSame([byIndex], [fromEnd]);
    }

    [Fact]
    public void The_chunk_column_of_conll2003_can_be_read_as_labels()
    {
        using var dir = new TempDir();
        var path = ConllFiles.Write(dir, "a.txt", FourColumns);
        var chunks = ConllReader.ReadFile(path, new ConllReaderOptions { LabelColumn = 2 }).ToList();
        Assert.Equal(["B-NP", "B-VP", "B-NP"], chunks[0].Labels);
        Assert.Equal(["B-NP", "I-NP"], chunks[1].Labels);
    }

    [Fact]
    public void Sentences_before_the_first_docstart_are_document_zero_and_a_file_without_any_is_one_document()
    {
        using var dir = new TempDir();
        var path = ConllFiles.Write(dir, "d.txt", "a O", "", "-DOCSTART- O", "", "b O", "", "-DOCSTART- O", "c O");
        Assert.Equal([0, 1, 2], ConllReader.ReadFile(path).Select(s => s.DocumentIndex));
        var none = ConllFiles.Write(dir, "n.txt", "a O", "", "b O");
        Assert.Equal([0, 0], ConllReader.ReadFile(none).Select(s => s.DocumentIndex));
    }

    [Fact]
    public void A_docstart_line_ends_a_sentence_without_a_blank_line_and_needs_no_matching_columns()
    {
        using var dir = new TempDir();
        var path = ConllFiles.Write(dir, "d.txt", "-DOCSTART-", "a NN I-PER", "-DOCSTART- -X- -X- O", "b NN O");
        var s = ConllReader.ReadFile(path).ToList();
        Assert.Equal(2, s.Count);
        Assert.Equal([0, 1], s.Select(x => x.DocumentIndex));
        Assert.Equal([2, 4], s.Select(x => x.Line));
    }

    [Fact]
    public void A_last_line_without_newline_is_read()
    {
        using var dir = new TempDir();
        var path = dir["nonl.txt"];
        File.WriteAllText(path, "a O\nb B-PER");
        Assert.Equal(["a", "b"], ConllReader.ReadFile(path).Single().Tokens);
    }

    [Fact]
    public void Auto_reads_each_scheme_and_reports_what_it_decided()
    {
        using var dir = new TempDir();
        var iob1 = new ConllReader(ConllFiles.Write(dir, "1.txt", "a B-PER", "", "b O", "c I-LOC"));
        var bioes = new ConllReader(ConllFiles.Write(dir, "2.txt", "a B-PER", "b E-PER", "", "c S-LOC"));
        var iob2 = new ConllReader(ConllFiles.Write(dir, "3.txt", "a B-PER", "b I-PER"));
        Assert.Equal("IOB1 (detected: I-LOC starts an entity at line 4)", iob1.ResolveScheme().ToString());
        Assert.Equal(TagSchemeKind.BIOES, bioes.ResolveScheme().Scheme);
        Assert.Equal(2, bioes.ResolveScheme().EvidenceLine);
        Assert.Equal(TagSchemeKind.IOB2, iob2.ResolveScheme().Scheme);
        Assert.Equal(["O", "B-LOC"], iob1.Read().Last().Labels);
        Assert.Equal(["B-PER", "I-PER"], bioes.Read().First().Labels);
        Assert.Equal(["B-LOC"], bioes.Read().Last().Labels);
        var declared = new ConllReader(iob2.Path, new ConllReaderOptions { Scheme = TagSchemeKind.IOB2 }).ResolveScheme();
        Assert.True(declared.Declared);
    }

    [Fact]
    public void Reading_streams_the_first_sentences_before_a_bad_line_is_reached()
    {
        using var dir = new TempDir();
        var lines = Enumerable.Range(0, 5000).SelectMany(i => new[] { $"w{i} O", "" }).Append("bad line with five").ToArray();
        var path = ConllFiles.Write(dir, "big.txt", lines);
        var first = ConllReader.ReadFile(path).Take(3).ToList();
        Assert.Equal(["w0"], first[0].Tokens);
        Assert.Equal(3, first.Count);
    }

    internal static void AssertSame(IReadOnlyList<NerSentence> expected, IReadOnlyList<NerSentence> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Tokens, actual[i].Tokens);
            Assert.Equal(expected[i].Labels, actual[i].Labels);
            Assert.Equal(expected[i].DocumentIndex, actual[i].DocumentIndex);
            Assert.Equal(expected[i].SentenceIndex, actual[i].SentenceIndex);
        }
    }
}
