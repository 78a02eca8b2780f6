using BertNer.Data;
using BertNer.Tests.Support;

namespace BertNer.Tests.Data;

public class ConllWriterTests
{
    private static NerSentence Sentence(string[] tokens, string[] labels, int document = 0, int index = 0, string? file = "in.txt") =>
        new(tokens, labels) { DocumentIndex = document, SentenceIndex = index, SourceFile = file, Line = 1 };

    [Fact]
    public void Writes_token_and_gold_columns_with_docstart_lines_and_blank_lines()
    {
        using var dir = new TempDir();
        var path = dir["out.txt"];
        ConllWriter.WriteFile(path,
        [
            Sentence(["EU", "rejects"], ["B-ORG", "O"], 0, 0),
            Sentence(["Peter"], ["B-PER"], 0, 1),
            Sentence(["BRUSSELS"], ["B-LOC"], 1, 2),
        ]);
        Assert.Equal("-DOCSTART- O\n\nEU B-ORG\nrejects O\n\nPeter B-PER\n\n-DOCSTART- O\n\nBRUSSELS B-LOC\n\n", File.ReadAllText(path));
        Assert.False(File.ReadAllBytes(path).AsSpan().StartsWith("\xEF\xBB\xBF"u8), "no BOM");
    }

    [Fact]
    public void Predictions_become_a_third_column_and_docstart_can_be_left_out()
    {
        using var dir = new TempDir();
        var s = Sentence(["Angela", "Merkel"], ["B-PER", "I-PER"]);
        s.PredictedLabels = ["B-PER", "O"];
        ConllWriter.WriteFile(dir["p.txt"], [s], documentStarts: false);
        Assert.Equal("Angela B-PER B-PER\nMerkel I-PER O\n\n", File.ReadAllText(dir["p.txt"]));
    }

    [Fact]
    public void A_new_source_file_starts_a_new_document_even_with_the_same_index()
    {
        using var dir = new TempDir();
        ConllWriter.WriteFile(dir["o.txt"], [Sentence(["a"], ["O"], file: "x.txt"), Sentence(["b"], ["O"], file: "y.txt")]);
        Assert.Equal([0, 1], ConllReader.ReadFile(dir["o.txt"]).Select(s => s.DocumentIndex));
    }

    [Fact]
    public void Read_write_read_gives_the_same_sentences()
    {
        using var dir = new TempDir();
        var source = ConllFiles.Write(dir, "in.txt", "-DOCSTART- -X- -X- O", "", "EU NNP B-NP I-ORG", "rejects VBZ B-VP O", "", "",
            "Peter NNP B-NP I-PER", "Blackburn NNP I-NP I-PER", "", "-DOCSTART- -X- -X- O", "", "Zoë NNP B-NP I-PER", "\t", "");
        var first = ConllReader.ReadFile(source).ToList();
        ConllWriter.WriteFile(dir["out.txt"], first);
        var second = ConllReader.ReadFile(dir["out.txt"]).ToList();
        ConllReaderTests.AssertSame(first, second);
        Assert.Equal(TagSchemeKind.IOB2, new ConllReader(dir["out.txt"]).ResolveScheme().Scheme);
    }

    [Fact]
    public void An_existing_file_is_kept_unless_overwrite_is_asked_for()
    {
        using var dir = new TempDir();
        var path = dir["keep.txt"];
        File.WriteAllText(path, "precious");
        var e = Assert.Throws<BertNerException>(() => ConllWriter.WriteFile(path, [Sentence(["a"], ["O"])]));
        Assert.Contains("already exists", e.Message);
        Assert.Equal("precious", File.ReadAllText(path));
        ConllWriter.WriteFile(path, [Sentence(["a"], ["O"])], overwrite: true);
        Assert.StartsWith("-DOCSTART- O", File.ReadAllText(path));
    }

    [Fact]
    public void A_failure_midway_leaves_neither_the_target_nor_a_temporary_file()
    {
        using var dir = new TempDir();
        var path = dir["atomic.txt"];
        var good = Sentence(["a"], ["O"]);
        var bad = Sentence(["b"], ["O"]);
        bad.PredictedLabels = ["O"];
        var e = Assert.Throws<BertNerException>(() => ConllWriter.WriteFile(path, [good, bad]));
        Assert.Contains("has predicted labels, but the first sentence written had none", e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public void Nothing_appears_before_commit()
    {
        using var dir = new TempDir();
        var path = dir["late.txt"];
        using (var w = new ConllWriter(path))
        {
            w.Write(Sentence(["a"], ["O"]));
            Assert.False(File.Exists(path));
            w.Commit();
        }
        Assert.True(File.Exists(path));
        Assert.Single(Directory.GetFileSystemEntries(dir.Path));
    }

    [Theory]
    [InlineData("New York", "B-LOC", "token 'New York'")]
    [InlineData("", "O", "empty token")]
    [InlineData("a", "B PER", "label 'B PER'")]
    public void Values_that_could_not_be_read_back_are_refused(string token, string label, string message)
    {
        using var dir = new TempDir();
        var e = Assert.Throws<BertNerException>(() => ConllWriter.WriteFile(dir["x.txt"], [Sentence([token], [label], file: "src.txt", index: 7)]));
        Assert.Contains(message, e.Message);
        Assert.Contains("Sentence 7 of src.txt:1", e.Message);
        Assert.Equal(BertNerErrorKind.InvalidData, e.Kind);
    }

    [Fact]
    public void Predicted_labels_of_the_wrong_length_are_refused()
    {
        using var dir = new TempDir();
        var s = Sentence(["a", "b"], ["O", "O"]);
        s.PredictedLabels = ["O"];
        var e = Assert.Throws<BertNerException>(() => ConllWriter.WriteFile(dir["x.txt"], [s]));
        Assert.Contains("2 tokens but 1 predicted labels", e.Message);
    }
}
