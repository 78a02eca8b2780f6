using BertNer.Checkpoints.Hub;
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
    public void A_missing_cache_lists_nothing()
    {
        Assert.Empty(CachedHubModel.List(Path.Combine(Path.GetTempPath(), "no-such-cache-" + Guid.NewGuid().ToString("N"))));
    }
}
