using BertNer.Hub;

namespace BertNer.Tests.Reliability;

/// <summary>
/// Names that become cache paths, beyond what Hub/HubModelIdTests covers: line breaks and other characters the
/// patterns must not let through, because .NET's '$' also matches before a final line break.
/// </summary>
public class HubNameRegressionTests
{
    [Theory]
    [InlineData("bert\n@main")]
    [InlineData("org/bert\n@v1")]
    [InlineData("bert\r\n@main")]
    [InlineData("bert\u0000")]
    [InlineData("bért")]
    [InlineData("org/\u2024\u2024/x")]
    public void Ids_with_line_breaks_or_other_characters_are_refused(string text)
    {
        // Before: "bert\n@main" parsed, giving the cache folder "models--bert\n".
        var e = Assert.Throws<BertNerException>(() => HubModelId.Parse(text));
        Assert.Equal(BertNerErrorKind.InvalidArgument, e.Kind);
    }

    [Fact]
    public void A_commit_hash_followed_by_a_line_break_is_not_a_commit_hash()
    {
        var commit = new string('a', 40);
        Assert.True(HubModelId.IsCommitHash(commit));
        Assert.False(HubModelId.IsCommitHash(commit + "\n"));
        Assert.False(HubModelId.IsValidRevision("main\n"));
        Assert.False(HubModelId.IsValidId("bert\n"));
    }
}
