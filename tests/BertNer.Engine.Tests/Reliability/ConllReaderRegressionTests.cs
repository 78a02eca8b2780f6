using System.Text;
using BertNer.Data;
using BertNer.Tests.Support;

namespace BertNer.Tests.Reliability;

/// <summary>Bugs the CoNLL fuzzer found, one test each.</summary>
public class ConllReaderRegressionTests
{
    private static BertNerException ReadFails(string path) =>
        Assert.Throws<BertNerException>(() => ConllReader.ReadFile(path).ToList());

    [Fact]
    public void A_huge_value_is_quoted_shortened_in_the_message()
    {
        using var dir = new TempDir();
        var giant = new string('x', 500_000);
        foreach (var lines in new[] { new[] { giant }, new[] { "EU O", "EU " + giant + "-PER" }, new[] { "EU " + giant }, new[] { $"{giant} {giant}\tO" } })
        {
            var path = ConllFiles.Write(dir, "huge.txt", lines);
            var e = ReadFails(path);
            Assert.True(e.Message.Length < 600, $"{e.Message.Length} characters: {e.Message[..Math.Min(300, e.Message.Length)]}");
            Assert.Contains("characters)", e.Message);
        }
    }

    [Fact]
    public void Control_characters_in_a_quoted_value_are_escaped()
    {
        using var dir = new TempDir();
        var path = ConllFiles.Write(dir, "esc.txt", "EU \u001B[31mB-PER\u0007");
        var e = ReadFails(path);
        Assert.Contains(@"'\u001B[31mB-PER\u0007' is not a tag", e.Message);
        Assert.DoesNotContain('\u001B', e.Message);
    }

    [Theory]
    [InlineData("\n")]
    [InlineData("\r\n")]
    [InlineData("\r")]
    public void Invalid_utf8_is_named_on_its_line_whatever_the_line_ends(string newline)
    {
        using var dir = new TempDir();
        var path = dir["latin1.txt"];
        var text = Encoding.UTF8.GetBytes(string.Join(newline, "EU B-ORG", "rejects O", "") + newline);
        File.WriteAllBytes(path, text.Concat(new byte[] { (byte)'Z', 0xE9, (byte)' ', (byte)'O' }).Concat(Encoding.UTF8.GetBytes(newline)).ToArray());
        var e = ReadFails(path);
        Assert.Equal($"{path}:4", e.Target);
        Assert.Contains("not valid UTF-8", e.Message);
    }

    [Fact]
    public void A_line_longer_than_the_limit_is_refused_before_it_is_held_whole()
    {
        using var dir = new TempDir();
        var path = dir["one-line.txt"];
        File.WriteAllText(path, "EU B-ORG\n\n" + new string('x', ConllReader.MaxLineLength + 1) + " O\nx O\n");
        var e = ReadFails(path);
        Assert.Equal(BertNerErrorKind.InvalidData, e.Kind);
        Assert.Equal($"{path}:3", e.Target);
        Assert.Contains("longer than 1,048,576 characters", e.Message);
        Assert.Contains("Is this a CoNLL file", e.Message);

        File.WriteAllText(path, "EU B-ORG\n\n" + new string('x', ConllReader.MaxLineLength - 2) + " O\r\nx O\r");
        var sentences = ConllReader.ReadFile(path).ToList();
        Assert.Equal(ConllReader.MaxLineLength - 2, sentences[1].Tokens[0].Length);
        Assert.Equal(new[] { "x" }, sentences[1].Tokens[1..]);
    }
}
