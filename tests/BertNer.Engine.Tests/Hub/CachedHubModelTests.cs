using BertNer.Hub;
using BertNer.Modeling;
using BertNer.Tests.Support;

namespace BertNer.Tests.Hub;

public class CachedHubModelTests
{
    [Fact]
    public void Lists_the_repositories_with_a_snapshot_by_hub_id()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(Path.Combine(dir.Path, "models--dslim--bert-base-NER", "snapshots", new string('a', 40)));
        Directory.CreateDirectory(Path.Combine(dir.Path, "models--bert-base-cased", "snapshots", new string('b', 40)));
        Directory.CreateDirectory(Path.Combine(dir.Path, "models--org--no-snapshot", "blobs"));     // a download that never finished
        Directory.CreateDirectory(Path.Combine(dir.Path, "datasets--org--data", "snapshots", "c")); // not a model
        Directory.CreateDirectory(Path.Combine(dir.Path, "models--bad..name", "snapshots", "d"));  // not a valid id
        var models = CachedHubModel.List(dir.Path);
        Assert.Equal(new[] { "bert-base-cased", "dslim/bert-base-NER" }, models.Select(m => m.Id));
        Assert.Equal(Path.Combine(dir.Path, "models--dslim--bert-base-NER"), models[1].Folder);
    }

    [Fact]
    public void A_snapshot_folder_is_named_by_its_hub_id_not_its_commit()
    {
        // Import-BertNerModel org/name used to show the commit hash as the model's name.
        var commit = new string('a', 40);
        var cache = Path.Combine(Path.GetTempPath(), "hf", "hub");
        Assert.Equal("dslim/bert-base-NER", CachedHubModel.IdOfSnapshot(Path.Combine(cache, "models--dslim--bert-base-NER", "snapshots", commit)));
        Assert.Equal("bert-base-cased", CachedHubModel.IdOfSnapshot(Path.Combine(cache, "models--bert-base-cased", "snapshots", commit) + Path.DirectorySeparatorChar));
        Assert.Equal("dslim/bert-base-NER", NerModel.NameOf(Path.Combine(cache, "models--dslim--bert-base-NER", "snapshots", commit)));
        // Anything else keeps the names it had.
        Assert.Null(CachedHubModel.IdOfSnapshot(Path.Combine(cache, "datasets--org--data", "snapshots", commit)));
        Assert.Null(CachedHubModel.IdOfSnapshot(Path.Combine(cache, "models--org--name", "blobs", commit)));
        Assert.Null(CachedHubModel.IdOfSnapshot(Path.Combine(cache, "models--bad..name", "snapshots", commit)));
        Assert.Equal(commit, NerModel.NameOf(Path.Combine(cache, "plain", commit)));
        Assert.Equal("run1/best", NerModel.NameOf(Path.Combine(cache, "runs", "run1", "best")));
        Assert.Equal("my-model", NerModel.NameOf(Path.Combine(cache, "my-model") + Path.DirectorySeparatorChar));
    }

    [Fact]
    public void A_missing_cache_lists_nothing()
    {
        Assert.Empty(CachedHubModel.List(Path.Combine(Path.GetTempPath(), "no-such-cache-" + Guid.NewGuid().ToString("N"))));
    }
}
