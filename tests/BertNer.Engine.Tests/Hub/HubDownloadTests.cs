using BertNer.Hub;
using BertNer.Modeling;
using BertNer.Tests.Support;

namespace BertNer.Tests.Hub;

/// <summary>Downloading from the loopback hub into the shared cache, and what a second call costs.</summary>
public sealed class HubDownloadTests : HubTestBase
{
    private HubSnapshotResolver Resolver(Action<HubOptions>? tweak = null)
    {
        var o = HubTestModel.Options(_hub.Endpoint, Cache);
        tweak?.Invoke(o);
        return new HubSnapshotResolver(o);
    }

    private string RepoFolder(string id) => Path.Combine(Cache, "models--" + id.Replace("/", "--"));

    [Fact]
    public void First_call_downloads_into_the_huggingface_hub_layout_and_the_folder_loads()
    {
        var files = HubTestModel.Files();
        var repo = _hub.AddRepo("org/tiny", files);
        var snap = Resolver().Resolve("org/tiny");

        Assert.Equal("org/tiny", snap.Name);
        Assert.Equal("main", snap.Revision);
        Assert.Equal(repo.Commit, snap.Commit);
        var repoFolder = RepoFolder("org/tiny");
        Assert.Equal(Path.Combine(repoFolder, "snapshots", repo.Commit), snap.Path);
        Assert.Equal(new[] { "config.json", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json", "model.safetensors" }, snap.Files);
        Assert.Equal(files.Values.Sum(b => (long)b.Length), snap.Bytes);
        Assert.Equal(snap.Bytes, snap.DownloadedBytes);
        Assert.Empty(snap.Warnings);

        // refs/main holds the commit without a newline; snapshot files are relative symlinks to blobs named by ETag.
        Assert.Equal(repo.Commit, File.ReadAllText(Path.Combine(repoFolder, "refs", "main")));
        foreach (var (name, bytes) in files)
        {
            var path = Path.Combine(snap.Path, name);
            var etag = name.EndsWith(".safetensors") ? LoopbackHub.Sha256(bytes) : LoopbackHub.GitSha1(bytes);
            Assert.Equal("../../blobs/" + etag, new FileInfo(path).LinkTarget);
            Assert.Equal(bytes, File.ReadAllBytes(path));
        }
        // tokenizer.json is not in the repo: remembered as absent, as huggingface_hub does.
        Assert.True(File.Exists(Path.Combine(repoFolder, ".no_exist", repo.Commit, "tokenizer.json")));
        Assert.Empty(Directory.GetFiles(repoFolder, "*.incomplete", SearchOption.AllDirectories));
        // The LFS file came from the CDN after a redirect; small files straight from the hub.
        Assert.Equal(1, _hub.Count(r => r.Server == "cdn" && r.Method == "GET"));
        Assert.Equal(0, _hub.Count(r => r.Server == "hub" && r.Method == "GET" && r.File == "model.safetensors"));

        using var model = NerModel.Load(snap.Path, device: "Cpu");
        Assert.Equal(TinyModel.Labels, model.Labels);
    }

    [Fact]
    public void Second_call_makes_one_metadata_request_and_no_request_for_cached_files()
    {
        _hub.AddRepo("org/tiny", HubTestModel.Files());
        var first = Resolver().Resolve("org/tiny");
        Assert.True(_hub.GetsOfFiles >= 5);
        _hub.Requests.Clear();

        var second = Resolver().Resolve("org/tiny");
        Assert.Equal(first.Path, second.Path);
        Assert.Equal(first.Files, second.Files);
        Assert.Equal(0, second.DownloadedBytes);
        // Exactly one HEAD on config.json at the branch, to learn its commit; nothing else.
        var only = Assert.Single(_hub.Requests);
        Assert.Equal("HEAD", only.Method);
        Assert.EndsWith("/org/tiny/resolve/main/config.json", only.Path);
    }

    [Fact]
    public void With_update_checks_off_or_a_commit_revision_a_cached_model_costs_no_request()
    {
        var repo = _hub.AddRepo("org/tiny", HubTestModel.Files());
        var first = Resolver().Resolve("org/tiny");
        _hub.Requests.Clear();

        var noCheck = Resolver(o => o.CheckForUpdates = false).Resolve("org/tiny");
        Assert.Equal(first.Path, noCheck.Path);
        var pinned = Resolver().Resolve("org/tiny@" + repo.Commit);
        Assert.Equal(first.Path, pinned.Path);
        Assert.Empty(_hub.Requests);
    }

    [Fact]
    public void A_new_commit_downloads_only_changed_files_and_reuses_blobs()
    {
        var files = HubTestModel.Files();
        var repo = _hub.AddRepo("org/tiny", files);
        var first = Resolver().Resolve("org/tiny");
        var config = System.Text.Encoding.UTF8.GetString(files["config.json"]).Replace("\"hidden_act\"", "\"_note\": \"v2\", \"hidden_act\"");
        repo.Files["config.json"] = System.Text.Encoding.UTF8.GetBytes(config);
        repo.Refs["main"] = LoopbackHub.RandomCommit();
        _hub.Requests.Clear();

        var second = Resolver().Resolve("org/tiny");
        Assert.Equal(repo.Commit, second.Commit);
        Assert.NotEqual(first.Path, second.Path);
        Assert.True(Directory.Exists(first.Path)); // the old snapshot stays, as in huggingface_hub
        Assert.Equal(1, _hub.GetsOfFiles); // config.json only; every other blob was already there
        Assert.Equal(1, _hub.Gets("config.json"));
        Assert.Equal(repo.Files["config.json"].Length, second.DownloadedBytes);
        Assert.Contains("v2", File.ReadAllText(Path.Combine(second.Path, "config.json")));
        Assert.Equal(repo.Commit, File.ReadAllText(Path.Combine(RepoFolder("org/tiny"), "refs", "main")));
    }

    [Fact]
    public void Progress_is_reported_per_file_up_to_its_size()
    {
        var files = HubTestModel.Files();
        _hub.AddRepo("org/tiny", files);
        var log = new ProgressLog();
        Resolver().Resolve("org/tiny", log);
        var weights = log.Reports.Where(p => p.File == "model.safetensors").ToList();
        Assert.Equal("org/tiny@main", weights[0].Model);
        Assert.Equal(0, weights[0].BytesDone);
        Assert.True(weights.Zip(weights.Skip(1)).All(p => p.First.BytesDone <= p.Second.BytesDone));
        var last = weights[^1];
        Assert.True(last.Completed);
        Assert.Equal(files["model.safetensors"].Length, last.BytesDone);
        Assert.Equal(files["model.safetensors"].Length, last.TotalBytes);
        Assert.Equal(100, last.PercentComplete);
        Assert.Equal(TimeSpan.Zero, last.Remaining);
        Assert.Equal(new[] { "config.json", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json", "model.safetensors" },
            log.Reports.Where(p => p.Completed).Select(p => p.File));
    }

    [Fact]
    public void Without_symlinks_the_snapshot_holds_copies()
    {
        var files = HubTestModel.Files();
        _hub.AddRepo("org/tiny", files);
        var snap = Resolver(o => o.UseSymlinks = false).Resolve("org/tiny");
        foreach (var (name, bytes) in files)
        {
            var path = Path.Combine(snap.Path, name);
            Assert.Null(new FileInfo(path).LinkTarget);
            Assert.Equal(bytes, File.ReadAllBytes(path));
        }
        Assert.Equal(files.Count, Directory.GetFiles(Path.Combine(RepoFolder("org/tiny"), "blobs")).Length);
    }

    [Fact]
    public void Sharded_safetensors_bring_every_shard_and_load()
    {
        var files = HubTestModel.ShardedFiles();
        _hub.AddRepo("org/sharded", files);
        var snap = Resolver().Resolve("org/sharded");
        Assert.Contains("model.safetensors.index.json", snap.Files);
        Assert.Contains("model-00001-of-00002.safetensors", snap.Files);
        Assert.Contains("model-00002-of-00002.safetensors", snap.Files);
        Assert.DoesNotContain("model.safetensors", snap.Files);
        using var model = NerModel.Load(snap.Path, device: "Cpu");
        Assert.Equal(TinyModel.Labels, model.Labels);
    }

    [Fact]
    public void Pytorch_bin_is_the_fallback_and_absent_candidates_are_remembered()
    {
        var files = HubTestModel.Files();
        files.Remove("model.safetensors");
        files["pytorch_model.bin"] = new byte[] { 1, 2, 3, 4, 5 };
        var repo = _hub.AddRepo("org/bin", files);
        var snap = Resolver().Resolve("org/bin");
        Assert.Equal("pytorch_model.bin", snap.Files[^1]);
        var noExist = Path.Combine(RepoFolder("org/bin"), ".no_exist", repo.Commit);
        Assert.True(File.Exists(Path.Combine(noExist, "model.safetensors")));
        Assert.True(File.Exists(Path.Combine(noExist, "model.safetensors.index.json")));
        _hub.Requests.Clear();
        Resolver().Resolve("org/bin");
        Assert.Single(_hub.Requests); // the commit check only: no file, and no 404 asked twice
    }

    [Fact]
    public async Task Two_resolves_at_once_download_each_blob_once()
    {
        _hub.AddRepo("org/tiny", HubTestModel.Files());
        var tasks = Enumerable.Range(0, 2).Select(_ => Task.Run(() => Resolver().Resolve("org/tiny"))).ToArray();
        var snaps = await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(snaps[0].Path, snaps[1].Path);
        Assert.Equal(1, _hub.Count(r => r.Server == "cdn" && r.Method == "GET"));
    }

    [Fact]
    public void ModelLocator_returns_folders_as_they_are_and_resolves_hub_ids()
    {
        var repo = _hub.AddRepo("org/tiny", HubTestModel.Files());
        var options = HubTestModel.Options(_hub.Endpoint, Cache);
        var path = ModelLocator.Resolve("org/tiny", options);
        Assert.Equal(Path.Combine(RepoFolder("org/tiny"), "snapshots", repo.Commit), path);

        // A folder wins over an id of the same spelling, relative to the given base directory.
        Directory.CreateDirectory(_dir["work/org/tiny"]);
        _hub.Requests.Clear();
        Assert.Equal(_dir["work/org/tiny"], ModelLocator.Resolve("org/tiny", options, baseDirectory: _dir["work"]));
        Assert.Equal(_dir["work/org/tiny"], ModelLocator.Resolve(_dir["work/org/tiny"], options));
        Assert.Empty(_hub.Requests);

        var location = ModelLocator.Locate("org/tiny@" + repo.Commit, options);
        Assert.Equal(repo.Commit, location.Snapshot!.Commit);
        Assert.Null(ModelLocator.Locate(_dir["work"], options).Snapshot);
    }

    [Theory]
    [InlineData("org--x")]
    [InlineData("a b")]
    public void ModelLocator_says_when_an_argument_is_neither_a_folder_nor_an_id(string argument)
    {
        var e = Assert.Throws<BertNerException>(() => ModelLocator.Resolve(argument, HubTestModel.Options(_hub.Endpoint, Cache), baseDirectory: _dir.Path));
        Assert.Equal(BertNerErrorKind.ObjectNotFound, e.Kind);
        Assert.Contains("neither an existing folder", e.Message);
        Assert.Contains("valid Hugging Face model id", e.Message);
        Assert.Empty(_hub.Requests);
        Assert.False(Directory.Exists(Cache));
    }

    // Arguments written as paths are folders the user expected to exist: say so, and never ask the hub.
    [Theory]
    [InlineData("../secrets")]
    [InlineData("./not-here")]
    [InlineData("org/a/b")]
    public void ModelLocator_says_a_path_like_argument_is_a_missing_folder(string argument)
    {
        var e = Assert.Throws<BertNerException>(() => ModelLocator.Resolve(argument, HubTestModel.Options(_hub.Endpoint, Cache), baseDirectory: _dir.Path));
        Assert.Equal(BertNerErrorKind.ObjectNotFound, e.Kind);
        Assert.Contains("Model folder", e.Message);
        Assert.Contains("does not exist", e.Message);
        Assert.Empty(_hub.Requests);
        Assert.False(Directory.Exists(Cache));
    }

    [Fact]
    public void ModelLocator_refuses_a_file_and_prefixes_hub_errors_with_why_the_hub_was_asked()
    {
        File.WriteAllText(_dir["config.json"], "{}");
        var options = HubTestModel.Options(_hub.Endpoint, Cache);
        var file = Assert.Throws<BertNerException>(() => ModelLocator.Resolve(_dir["config.json"], options));
        Assert.Contains("is a file", file.Message);
        var missing = Assert.Throws<BertNerException>(() => ModelLocator.Resolve("org/nothing", options, baseDirectory: _dir.Path));
        Assert.Equal(BertNerErrorKind.ObjectNotFound, missing.Kind);
        Assert.StartsWith("'org/nothing' is not an existing folder, so it was looked up as a Hugging Face model id: No model 'org/nothing'", missing.Message);
    }
}
