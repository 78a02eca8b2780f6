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
}
