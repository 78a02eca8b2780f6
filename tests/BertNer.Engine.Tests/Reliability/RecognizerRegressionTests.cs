using BertNer.Inference;
using BertNer.Tests.Support;
using BertNer.Tokenization;

namespace BertNer.Tests.Reliability;

/// <summary>Bugs the recognizer fuzzer found, one test each.</summary>
public class RecognizerRegressionTests
{
    [Theory]
    [InlineData("a~\uA8BEb", new[] { "a", "~", "\uA8BEb" }, new[] { 0, 1, 2 }, new[] { 1, 2, 4 })]   // a spacing mark after punctuation
    [InlineData("x.\u0301y", new[] { "x", ".", "y" }, new[] { 0, 1, 3 }, new[] { 1, 3, 4 })]         // an accent after punctuation: stripped, kept in its span
    [InlineData("e\u0301!", new[] { "e", "!" }, new[] { 0, 2 }, new[] { 2, 3 })]                      // composed, then punctuation
    public void Words_split_at_punctuation_inside_a_character_unit_do_not_overlap(string text, string[] words, int[] starts, int[] ends)
    {
        // Before: every char of a base+marks unit got the whole unit's span, so "~" and the mark after it
        // became two words over the same characters, and so two overlapping entities.
        var found = new BasicTokenizer(new TokenizerSettings { DoLowerCase = true }).Tokenize(text);
        Assert.Equal(words, found.Select(w => w.Text));
        Assert.Equal(starts, found.Select(w => w.Start));
        Assert.Equal(ends, found.Select(w => w.End));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    [InlineData(63)]
    [InlineData(1000)]
    public void A_window_the_model_cannot_take_is_an_invalid_argument(int window)
    {
        // Before: 63 (past the tiny model's 62) failed inside libtorch with "index out of range in self";
        // 0 and below threw ArgumentException from Math.Clamp.
        using var dir = new TempDir();
        using var model = TinyModel.Create(dir["tiny"]);
        var e = Assert.Throws<BertNerException>(() =>
            new EntityRecognizer(model, new RecognizerOptions { WindowTokens = window }).Recognize(new[] { "John Smith visited Paris ." }));
        Assert.Equal(BertNerErrorKind.InvalidArgument, e.Kind);
        Assert.Equal("WindowTokens", e.Target);
        Assert.Contains("1 to 62 sub-tokens", e.Message);
        Assert.NotEmpty(new EntityRecognizer(model, new RecognizerOptions { WindowTokens = 62 }).Recognize(new[] { "John Smith visited Paris ." }));
    }

    [Fact]
    public void A_negative_stride_is_an_invalid_argument()
    {
        using var dir = new TempDir();
        using var model = TinyModel.Create(dir["tiny"]);
        var e = Assert.Throws<BertNerException>(() => new EntityRecognizer(model, new RecognizerOptions { Stride = -1 }).Recognize(new[] { "x" }));
        Assert.Equal("Stride", e.Target);
    }
}
