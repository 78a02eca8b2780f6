using BertNer.Data;
using BertNer.Tests.Support;

namespace BertNer.Tests.Data;

/// <summary>The real CoNLL-2003 splits in ../shared: counts from its README, and lossless IOB1→IOB2.</summary>
public class Conll2003Tests
{
    private static string Split(string name) => SharedAssets.Require(Path.Combine("data", "conll2003", name));

    [SkippableTheory]
    [InlineData("train.txt", 14_041, 203_621, 946, 6_600, 7_140, 6_321, 3_438)]
    [InlineData("valid.txt", 3_250, 51_362, 216, 1_842, 1_837, 1_341, 922)]
    public void Counts_match_the_published_statistics(string file, int sentences, int tokens, int documents, int per, int loc, int org, int misc)
    {
        var path = Split(file);
        var reader = new ConllReader(path);
        Assert.Equal(TagSchemeKind.IOB1, reader.ResolveScheme().Scheme);
        var summary = DatasetSummary.Of(reader.Read());
        Assert.Equal(sentences, summary.Sentences);
        Assert.Equal(tokens, summary.Tokens);
        Assert.Equal(documents, summary.Documents);
        Assert.Equal(new Dictionary<string, int> { ["LOC"] = loc, ["MISC"] = misc, ["ORG"] = org, ["PER"] = per }, summary.Entities);
        Assert.Equal(["O", "B-LOC", "I-LOC", "B-MISC", "I-MISC", "B-ORG", "I-ORG", "B-PER", "I-PER"], summary.Labels);
    }

    [SkippableTheory]
    [InlineData("train.txt")]
    [InlineData("valid.txt")]
    public void Iob1_to_iob2_keeps_every_entity_span_and_every_token(string file)
    {
        var path = Split(file);
        // The test's own reading of the raw file, and its own definitions of the two schemes.
        var raw = ConllFiles.RawColumns(path, 0, 3);
        var read = ConllReader.ReadFile(path).ToList();
        Assert.Equal(raw.Count, read.Count);
        var before = 0;
        for (var i = 0; i < raw.Count; i++)
        {
            Assert.Equal(raw[i][0], read[i].Tokens);
            var iob1 = Iob1Spans(raw[i][1]);
            Assert.Equal(iob1, StrictIob2Spans(read[i].Labels));
            before += iob1.Count;
        }
        Assert.True(before > 5_000, $"only {before} entities: the test would prove little");
    }

    [SkippableFact]
    public void Read_write_read_of_train_is_identical_down_to_the_line_numbers()
    {
        var path = Split("train.txt");
        using var dir = new TempDir();
        var first = ConllReader.ReadFile(path).ToList();
        Assert.Equal(14_041, ConllWriter.WriteFile(dir["train.iob2.txt"], first));
        var second = ConllReader.ReadFile(dir["train.iob2.txt"]).ToList();
        ConllReaderTests.AssertSame(first, second);
        // train.txt already has exactly one blank line between sentences and after each -DOCSTART-.
        Assert.Equal(first.Select(s => s.Line), second.Select(s => s.Line));
    }

    /// <summary>IOB1: an entity is a maximal run of one type; B- splits two adjacent entities of that type.</summary>
    private static List<(string, int, int)> Iob1Spans(string[] tags)
    {
        var spans = new List<(string, int, int)>();
        for (var i = 0; i < tags.Length;)
        {
            if (tags[i] == "O") { i++; continue; }
            var type = tags[i][2..];
            var start = i++;
            while (i < tags.Length && tags[i] == "I-" + type) i++;
            spans.Add((type, start, i));
        }
        return spans;
    }

    /// <summary>Strict IOB2: every entity starts with B-; an I- that starts one is a failure.</summary>
    private static List<(string, int, int)> StrictIob2Spans(string[] tags)
    {
        var spans = new List<(string, int, int)>();
        for (var i = 0; i < tags.Length;)
        {
            if (tags[i] == "O") { i++; continue; }
            Assert.StartsWith("B-", tags[i]);
            var type = tags[i][2..];
            var start = i++;
            while (i < tags.Length && tags[i] == "I-" + type) i++;
            spans.Add((type, start, i));
        }
        return spans;
    }
}
