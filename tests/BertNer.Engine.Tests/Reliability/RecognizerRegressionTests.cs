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
}
