using BertNer.Hub;

namespace BertNer.Tests.Hub;

/// <summary>Model ids, revisions and repository file names: what may become a cache path and what is refused.</summary>
public class HubModelIdTests
{
    [Theory]
    [InlineData("bert-base-cased", "bert-base-cased", "main", "models--bert-base-cased")]
    [InlineData("dslim/bert-base-NER", "dslim/bert-base-NER", "main", "models--dslim--bert-base-NER")]
    [InlineData("dslim/bert-base-NER@v1.0", "dslim/bert-base-NER", "v1.0", "models--dslim--bert-base-NER")]
    [InlineData(" google-bert/bert-base-cased@refs/pr/1 ", "google-bert/bert-base-cased", "refs/pr/1", "models--google-bert--bert-base-cased")]
    [InlineData("a.b_c/d.e-f", "a.b_c/d.e-f", "main", "models--a.b_c--d.e-f")]
    public void Parses_ids_and_revisions_into_the_hub_cache_folder_name(string text, string id, string revision, string folder)
    {
        var m = HubModelId.Parse(text);
        Assert.Equal(id, m.Id);
        Assert.Equal(revision, m.Revision);
        Assert.Equal(folder, m.CacheFolderName);
        Assert.False(m.RevisionIsCommit);
    }

    [Fact]
    public void A_40_hex_revision_is_a_commit()
    {
        var commit = new string('a', 20) + "0123456789abcdef0123";
        Assert.True(HubModelId.Parse("org/m@" + commit).RevisionIsCommit);
        Assert.False(HubModelId.Parse("org/m@" + commit.ToUpperInvariant()).RevisionIsCommit);
    }

    [Theory]
    [InlineData("")]
    [InlineData("..")]
    [InlineData("../etc")]
    [InlineData("a/../b")]
    [InlineData("a/b/c")]
    [InlineData("/abs")]
    [InlineData("a/")]
    [InlineData("a\\b")]
    [InlineData("C:\\models\\x")]
    [InlineData("a--b")]
    [InlineData("org/na--me")]
    [InlineData("-x")]
    [InlineData(".hidden")]
    [InlineData("org/.x")]
    [InlineData("a b")]
    [InlineData("a..b")]
    public void Refuses_ids_that_could_escape_or_confuse_the_cache(string text)
    {
        var e = Assert.Throws<BertNerException>(() => HubModelId.Parse(text));
        Assert.Equal(BertNerErrorKind.InvalidArgument, e.Kind);
        Assert.Contains("not a valid Hugging Face model id", e.Message);
        Assert.Contains("bert-base-cased", e.Message); // says what a valid one looks like
    }

    [Theory]
    [InlineData("m@")]
    [InlineData("m@..")]
    [InlineData("m@../../x")]
    [InlineData("m@main/../../x")]
    [InlineData("m@/main")]
    [InlineData("m@main/")]
    [InlineData("m@a\\b")]
    [InlineData("m@a b")]
    public void Refuses_revisions_that_could_escape_the_refs_folder(string text)
    {
        var e = Assert.Throws<BertNerException>(() => HubModelId.Parse(text));
        Assert.Equal(BertNerErrorKind.InvalidArgument, e.Kind);
        Assert.Contains("not a valid revision", e.Message);
    }

    [Theory]
    [InlineData("model-00001-of-00002.safetensors", null)]
    [InlineData("sub/model.safetensors", null)]
    [InlineData("../model.safetensors", "'..' segment")]
    [InlineData("a/../../model.safetensors", "'..' segment")]
    [InlineData("/etc/passwd", "absolute path")]
    [InlineData("sub\\model.safetensors", "backslash")]
    [InlineData("C:model.safetensors", "':'")]
    [InlineData("a//b", "empty path segment")]
    [InlineData("./a", "'.' segment")]
    [InlineData("", "empty")]
    public void Repository_file_names_must_stay_relative(string name, string? problem)
    {
        var found = RepoFileName.Problem(name);
        if (problem is null) Assert.Null(found);
        else Assert.Contains(problem, found);
    }

    [Fact]
    public void Join_refuses_what_would_leave_the_folder_even_when_a_check_was_missed()
    {
        using var dir = new Support.TempDir();
        Assert.Equal(Path.Combine(dir.Path, "a", "b"), RepoFileName.Join(dir.Path, "a/b"));
        var e = Assert.Throws<BertNerException>(() => RepoFileName.Join(dir.Path, "a/../../x"));
        Assert.Contains("outside", e.Message);
    }

    [Theory]
    [InlineData("0123abcd", true)]
    [InlineData("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", true)]
    [InlineData("../../etc/passwd", false)]
    [InlineData("a/b", false)]
    [InlineData("..", false)]
    [InlineData("", false)]
    public void Blob_names_from_etags_are_single_safe_segments(string etag, bool safe) =>
        Assert.Equal(safe, RepoFileName.IsSafeBlobName(etag));
}
