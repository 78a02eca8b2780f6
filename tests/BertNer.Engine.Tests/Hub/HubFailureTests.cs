using System.Text;
using System.Text.Json.Nodes;
using BertNer.Hub;
using BertNer.Tests.Support;

namespace BertNer.Tests.Hub;

/// <summary>What the hub and the network can do wrong, and what the user gets: retries, resumes, and errors that say what to do.</summary>
public sealed class HubFailureTests : HubTestBase
{
    private HubSnapshotResolver Resolver(string? token = null, int attempts = 3, Action<HubOptions>? tweak = null)
    {
        var o = HubTestModel.Options(_hub.Endpoint, Cache, token, attempts);
        tweak?.Invoke(o);
        return new HubSnapshotResolver(o);
    }

    private string RepoFolder(string id) => Path.Combine(Cache, "models--" + id.Replace("/", "--"));

    /// <summary>A fault for the first <paramref name="times"/> requests that match.</summary>
    private static Func<LoopbackRequest, LoopbackFault?> FirstTimes(int times, Func<LoopbackRequest, bool> match, LoopbackFault fault)
    {
        int seen = 0;
        return r => match(r) && Interlocked.Increment(ref seen) <= times ? fault : null;
    }

    private static bool CdnGet(LoopbackRequest r) => r.Server == "cdn" && r.Method == "GET";

    [Fact]
    public void A_private_model_needs_the_token_which_goes_to_the_hub_but_never_to_the_cdn()
    {
        var repo = _hub.AddRepo("org/private", HubTestModel.Files());
        repo.Private = true;
        _hub.AcceptedToken = "hf_private_token_1";

        var e = Assert.Throws<BertNerException>(() => Resolver().Resolve("org/private"));
        Assert.Equal(BertNerErrorKind.ObjectNotFound, e.Kind);
        Assert.Contains("No model 'org/private' is visible", e.Message);
        Assert.Contains("set HF_TOKEN", e.Message);

        var snap = Resolver("hf_private_token_1").Resolve("org/private");
        Assert.Equal(5, snap.Files.Count);
        Assert.All(_hub.Requests.Where(r => r.Server == "hub" && r.Method == "GET"), r => Assert.Equal("Bearer hf_private_token_1", r.Header("Authorization")));
        Assert.Contains(_hub.Requests, r => r.Server == "cdn");
        Assert.All(_hub.Requests.Where(r => r.Server == "cdn"), r => Assert.Null(r.Header("Authorization")));
    }

    [Fact]
    public void A_gated_model_says_to_accept_its_conditions_and_set_HF_TOKEN()
    {
        var repo = _hub.AddRepo("org/gated", HubTestModel.Files());
        repo.Gated = true;
        _hub.AcceptedToken = "hf_the_right_one";
        foreach (var token in new[] { null, "hf_without_access" })
        {
            var e = Assert.Throws<BertNerException>(() => Resolver(token).Resolve("org/gated"));
            Assert.Equal(BertNerErrorKind.PermissionDenied, e.Kind);
            Assert.Contains("'org/gated' is a gated model", e.Message);
            Assert.Contains(token is null ? "HTTP 401" : "HTTP 403", e.Message);
            Assert.Contains("accept its conditions", e.Message);
            Assert.Contains("set HF_TOKEN", e.Message);
            Assert.Contains(token is null ? "No token was sent" : "The token from the Token option was sent", e.Message);
        }
        Assert.Equal(5, Resolver("hf_the_right_one").Resolve("org/gated").Files.Count);
    }

    [Fact]
    public void A_refused_token_is_called_invalid_or_expired()
    {
        _hub.AddRepo("org/tiny", HubTestModel.Files());
        _hub.Faults = _ => new LoopbackFault { Status = 401 };
        var e = Assert.Throws<BertNerException>(() => Resolver("hf_expired").Resolve("org/tiny"));
        Assert.Equal(BertNerErrorKind.PermissionDenied, e.Kind);
        Assert.Contains("invalid or expired", e.Message);
        Assert.Contains("HTTP 401", e.Message);
        Assert.Single(_hub.Requests); // not retried
    }

    [Fact]
    public void Missing_model_revision_and_files_are_named()
    {
        var files = HubTestModel.Files();
        _hub.AddRepo("org/tiny", files);
        var e = Assert.Throws<BertNerException>(() => Resolver("hf_any").Resolve("org/nope"));
        Assert.Equal(BertNerErrorKind.ObjectNotFound, e.Kind);
        Assert.Contains("No model 'org/nope'", e.Message);
        Assert.Contains("HTTP 404", e.Message);

        e = Assert.Throws<BertNerException>(() => Resolver().Resolve("org/tiny@v9"));
        Assert.Contains("has no revision 'v9'", e.Message);

        var noVocab = new Dictionary<string, byte[]>(files);
        noVocab.Remove("vocab.txt");
        _hub.AddRepo("org/novocab", noVocab);
        e = Assert.Throws<BertNerException>(() => Resolver().Resolve("org/novocab"));
        Assert.Equal(BertNerErrorKind.ObjectNotFound, e.Kind);
        Assert.Contains("'org/novocab@main'", e.Message);
        Assert.Contains("has no vocab.txt", e.Message);

        var noWeights = new Dictionary<string, byte[]>(files);
        noWeights.Remove("model.safetensors");
        _hub.AddRepo("org/noweights", noWeights);
        e = Assert.Throws<BertNerException>(() => Resolver().Resolve("org/noweights"));
        Assert.Contains("has no model.safetensors, model.safetensors.index.json, pytorch_model.bin, pytorch_model.bin.index.json", e.Message);

        var noConfig = new Dictionary<string, byte[]>(files);
        noConfig.Remove("config.json");
        _hub.AddRepo("org/noconfig", noConfig);
        e = Assert.Throws<BertNerException>(() => Resolver().Resolve("org/noconfig"));
        Assert.Contains("has no config.json", e.Message);
    }

    [Fact]
    public void Server_errors_are_retried_and_then_succeed()
    {
        _hub.AddRepo("org/tiny", HubTestModel.Files());
        var head500 = FirstTimes(1, r => r.Method == "HEAD" && r.File == "config.json", new LoopbackFault { Status = 500 });
        var cdn503 = FirstTimes(2, CdnGet, new LoopbackFault { Status = 503 });
        _hub.Faults = r => head500(r) ?? cdn503(r);
        var snap = Resolver().Resolve("org/tiny");
        Assert.Equal(5, snap.Files.Count);
        Assert.Equal(2, _hub.Count(r => r.Method == "HEAD" && r.File == "config.json"));
        Assert.Equal(3, _hub.Count(CdnGet));
    }

    [Fact]
    public void Server_errors_that_persist_fail_after_the_configured_attempts()
    {
        _hub.AddRepo("org/tiny", HubTestModel.Files());
        _hub.Faults = r => r.File == "vocab.txt" ? new LoopbackFault { Status = 503, ErrorCode = "Overloaded" } : null;
        var e = Assert.Throws<BertNerException>(() => Resolver(attempts: 4).Resolve("org/tiny"));
        Assert.Equal(BertNerErrorKind.ResourceUnavailable, e.Kind);
        Assert.Contains("'vocab.txt' of 'org/tiny@main'", e.Message);
        Assert.Contains("after 4 attempt(s)", e.Message);
        Assert.Contains("HTTP 503 Service Unavailable: Overloaded (loopback hub)", e.Message);
        Assert.Equal(4, _hub.Count(r => r.File == "vocab.txt"));
    }

    [Fact]
    public void A_connection_dropped_mid_file_is_resumed_with_a_range_request()
    {
        var files = HubTestModel.Files();
        var weights = files["model.safetensors"];
        int half = weights.Length / 2;
        _hub.AddRepo("org/tiny", files);
        _hub.Faults = FirstTimes(1, CdnGet, new LoopbackFault { DropAfterBytes = half });

        var snap = Resolver().Resolve("org/tiny");
        var gets = _hub.Requests.Where(CdnGet).ToList();
        Assert.Equal(2, gets.Count);
        Assert.Null(gets[0].Header("Range"));
        Assert.Equal($"bytes={half}-", gets[1].Header("Range"));
        var path = Path.Combine(snap.Path, "model.safetensors");
        Assert.Equal(LoopbackHub.Sha256(weights), LoopbackHub.Sha256(File.ReadAllBytes(path)));
        Assert.Equal(weights.Length, snap.DownloadedBytes - files.Where(f => f.Key != "model.safetensors").Sum(f => f.Value.Length));
    }

    [Fact]
    public void An_interrupted_download_resumes_on_the_next_call()
    {
        var files = HubTestModel.Files();
        var weights = files["model.safetensors"];
        int part = weights.Length / 3;
        _hub.AddRepo("org/tiny", files);
        _hub.Faults = FirstTimes(1, CdnGet, new LoopbackFault { DropAfterBytes = part });

        var e = Assert.Throws<BertNerException>(() => Resolver(attempts: 1).Resolve("org/tiny"));
        Assert.Equal(BertNerErrorKind.ResourceUnavailable, e.Kind);
        Assert.Contains("'model.safetensors' of 'org/tiny@main'", e.Message);
        Assert.Contains("connection broke", e.Message);
        var incomplete = Path.Combine(RepoFolder("org/tiny"), "blobs", LoopbackHub.Sha256(weights) + ".incomplete");
        Assert.Equal(part, new FileInfo(incomplete).Length);

        var snap = Resolver(attempts: 1).Resolve("org/tiny");
        Assert.Equal($"bytes={part}-", _hub.Requests.Where(CdnGet).Last().Header("Range"));
        Assert.Equal(weights.Length - part, snap.DownloadedBytes);
        Assert.Equal(LoopbackHub.Sha256(weights), LoopbackHub.Sha256(File.ReadAllBytes(Path.Combine(snap.Path, "model.safetensors"))));
        Assert.False(File.Exists(incomplete));
    }

    [Fact]
    public void A_corrupted_lfs_file_fails_its_sha256_check_and_is_not_kept()
    {
        var files = HubTestModel.Files();
        _hub.AddRepo("org/tiny", files);
        _hub.Faults = r => CdnGet(r) ? new LoopbackFault { Corrupt = true } : null;
        var e = Assert.Throws<BertNerException>(() => Resolver().Resolve("org/tiny"));
        Assert.Equal(BertNerErrorKind.InvalidData, e.Kind);
        Assert.Contains("'model.safetensors' of 'org/tiny@main' is corrupt", e.Message);
        Assert.Contains(LoopbackHub.Sha256(files["model.safetensors"]), e.Message);
        var blobs = Path.Combine(RepoFolder("org/tiny"), "blobs");
        Assert.DoesNotContain(Directory.GetFiles(blobs), f => f.Contains(LoopbackHub.Sha256(files["model.safetensors"])));
        Assert.Empty(Directory.GetFileSystemEntries(Directory.GetDirectories(Path.Combine(RepoFolder("org/tiny"), "snapshots"))[0], "model.safetensors"));
    }

    [Fact]
    public void A_hub_that_does_not_answer_times_out_clearly()
    {
        _hub.AddRepo("org/tiny", HubTestModel.Files());
        // Far apart on purpose: two 0.2 s timeouts against a 60 s wait, so a busy machine cannot blur them.
        _hub.Faults = _ => new LoopbackFault { HeaderDelay = TimeSpan.FromSeconds(60) };
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var e = Assert.Throws<BertNerException>(() => Resolver(attempts: 2, tweak: o => o.RequestTimeout = TimeSpan.FromMilliseconds(200)).Resolve("org/tiny"));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
        Assert.Equal(BertNerErrorKind.ResourceUnavailable, e.Kind);
        Assert.Contains("did not answer within 0.2 s (timed out)", e.Message);
        Assert.Contains("after 2 attempt(s)", e.Message);
    }

    [Fact]
    public void A_download_that_stalls_is_abandoned_and_resumed()
    {
        var files = HubTestModel.Files();
        _hub.AddRepo("org/tiny", files);
        int part = files["model.safetensors"].Length / 4;
        _hub.Faults = FirstTimes(1, CdnGet, new LoopbackFault { StallAfterBytes = part, StallFor = TimeSpan.FromSeconds(60) });
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var snap = Resolver(tweak: o => o.ReadTimeout = TimeSpan.FromMilliseconds(300)).Resolve("org/tiny");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}"); // waiting out the stall would take 60 s
        Assert.Equal($"bytes={part}-", _hub.Requests.Where(CdnGet).Last().Header("Range"));
        Assert.Equal(files["model.safetensors"], File.ReadAllBytes(Path.Combine(snap.Path, "model.safetensors")));
    }

    [Fact]
    public async Task Cancellation_stops_a_waiting_download_promptly()
    {
        _hub.AddRepo("org/tiny", HubTestModel.Files());
        _hub.Faults = _ => new LoopbackFault { HeaderDelay = TimeSpan.FromSeconds(60) };
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var resolver = Resolver(tweak: o => o.RequestTimeout = TimeSpan.FromSeconds(30));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => resolver.ResolveAsync(HubModelId.Parse("org/tiny"), null, cts.Token));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}"); // not the 60 s header delay
    }

    [Fact]
    public void A_cache_that_cannot_be_written_is_a_write_error_naming_the_cache()
    {
        _hub.AddRepo("org/tiny", HubTestModel.Files());
        File.WriteAllText(Cache, "a file where the cache folder should be");
        var e = Assert.Throws<BertNerException>(() => Resolver().Resolve("org/tiny"));
        Assert.Equal(BertNerErrorKind.WriteError, e.Kind);
        Assert.Contains($"The Hugging Face cache at '{Cache}' could not be used for 'org/tiny@main'", e.Message);
        Assert.Contains("HF_HUB_CACHE", e.Message);
    }

    [Theory]
    [InlineData("../../../../escape.safetensors")]
    [InlineData("/tmp/escape.safetensors")]
    [InlineData("sub\\..\\..\\escape.safetensors")]
    [InlineData("shards/../../escape.safetensors")]
    public void Shard_names_in_an_index_cannot_leave_the_cache(string hostile)
    {
        var files = HubTestModel.ShardedFiles();
        var map = new JsonObject { ["bert.embeddings.word_embeddings.weight"] = "model-00001-of-00002.safetensors", ["classifier.weight"] = hostile };
        files["model.safetensors.index.json"] = HubTestModel.IndexJson(map);
        files[hostile] = Encoding.UTF8.GetBytes("not weights");
        _hub.AddRepo("org/evil", files);
        var e = Assert.Throws<BertNerException>(() => Resolver().Resolve("org/evil"));
        Assert.Equal(BertNerErrorKind.InvalidData, e.Kind);
        Assert.Contains($"names the shard '{hostile}'", e.Message);
        Assert.Contains("is refused because", e.Message);
        Assert.Equal(0, _hub.Count(r => r.File == hostile));
        Assert.Empty(Directory.GetFiles(_dir.Path, "escape.safetensors", SearchOption.AllDirectories));
        Assert.False(File.Exists("/tmp/escape.safetensors"));
    }

    [Theory]
    [InlineData("ETag", "\"../../../escape\"", "sent the ETag '../../../escape'")]
    [InlineData("X-Repo-Commit", "../../../escape", "not a 40-character hash")]
    public void Hostile_etags_and_commits_from_the_server_are_refused(string header, string value, string expected)
    {
        _hub.AddRepo("org/tiny", HubTestModel.Files());
        _hub.Faults = r => r.Server == "hub" && r.File == "vocab.txt" || header == "X-Repo-Commit"
            ? new LoopbackFault { Headers = new Dictionary<string, string> { [header] = value } }
            : null;
        var e = Assert.Throws<BertNerException>(() => Resolver().Resolve("org/tiny"));
        Assert.Contains(expected, e.Message);
        Assert.Contains("HF_ENDPOINT", e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(_dir.Path, "*escape*", SearchOption.AllDirectories));
    }

    [Fact]
    public void The_token_never_appears_in_messages_progress_or_cache_files()
    {
        const string token = "hf_SECRET_loopback_0123456789abcdef";
        var files = HubTestModel.Files();
        var repo = _hub.AddRepo("org/private", files);
        repo.Private = true;
        var gated = _hub.AddRepo("org/gated", files);
        gated.Gated = true;
        _hub.AcceptedToken = token;
        var said = new List<string>();
        var log = new ProgressLog();

        // Success (with a dropped connection and a 500 on the way), then every kind of failure with the token set.
        _hub.Faults = FirstTimes(1, CdnGet, new LoopbackFault { DropAfterBytes = 100 });
        var snap = Resolver(token).Resolve("org/private", log);
        said.Add(snap.ToString());
        said.AddRange(snap.Warnings);
        said.AddRange(snap.Files);
        said.Add(snap.Path);
        var failures = new (Func<LoopbackRequest, LoopbackFault?> Fault, string Model)[]
        {
            (_ => new LoopbackFault { Status = 401 }, "org/private"),
            (_ => new LoopbackFault { Status = 403, ErrorCode = "GatedRepo" }, "org/private"),
            (_ => new LoopbackFault { Status = 403 }, "org/private"),
            (_ => new LoopbackFault { Status = 404, ErrorCode = "RepoNotFound" }, "org/private"),
            (_ => new LoopbackFault { Status = 500 }, "org/private"),
            (_ => null, "org/missing"),
            (_ => null, "org/private@nobranch"),
        };
        foreach (var (fault, model) in failures)
        {
            _hub.Faults = fault;
            var e = Assert.Throws<BertNerException>(() => Resolver(token, tweak: o => o.Offline = false).Resolve(model + (model.Contains('@') ? "" : "@v1"), log));
            for (Exception? x = e; x != null; x = x.InnerException) said.Add(x.ToString());
        }
        var offline = Assert.Throws<BertNerException>(() => Resolver(token, tweak: o => o.Offline = true).Resolve("org/other"));
        said.Add(offline.ToString());
        said.AddRange(log.Reports.Select(p => p.ToString()));

        Assert.NotEmpty(said);
        Assert.All(said, s => Assert.DoesNotContain(token, s));
        var secret = Encoding.UTF8.GetBytes(token);
        var cacheFiles = Directory.GetFiles(Cache, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 });
        Assert.True(cacheFiles.Length > 10);
        foreach (var file in cacheFiles)
            Assert.False(File.ReadAllBytes(file).AsSpan().IndexOf(secret) >= 0, $"the token is in {file}");
        // The test is not vacuous: the token did go to the hub, and only there.
        Assert.Contains(_hub.Requests, r => r.Server == "hub" && r.Header("Authorization") == "Bearer " + token);
        Assert.DoesNotContain(_hub.Requests, r => r.Server == "cdn" && r.Header("Authorization") is not null);
    }
}
