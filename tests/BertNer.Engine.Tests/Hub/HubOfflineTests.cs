using BertNer.Hub;
using BertNer.Modeling;
using BertNer.Tests.Support;

namespace BertNer.Tests.Hub;

/// <summary>Working from the cache alone: offline mode, an unreachable hub, and a cache that Python's huggingface_hub wrote.</summary>
public sealed class HubOfflineTests : HubTestBase
{
    private HubSnapshotResolver Resolver(string? endpoint = null, bool offline = false, bool checkForUpdates = true)
    {
        var o = HubTestModel.Options(endpoint ?? _hub.Endpoint, Cache);
        o.Offline = offline;
        o.CheckForUpdates = checkForUpdates;
        return new HubSnapshotResolver(o);
    }

    [Fact]
    public void Offline_mode_serves_a_cached_model_without_any_request()
    {
        _hub.AddRepo("org/tiny", HubTestModel.Files());
        var online = Resolver().Resolve("org/tiny");
        _hub.Requests.Clear();
        var offline = Resolver(offline: true).Resolve("org/tiny");
        Assert.Equal(online.Path, offline.Path);
        Assert.Equal(online.Files, offline.Files);
        Assert.Empty(_hub.Requests);
    }

    [Fact]
    public void Offline_mode_without_the_model_fails_naming_model_revision_and_what_is_missing()
    {
        var e = Assert.Throws<BertNerException>(() => Resolver(offline: true).Resolve("org/tiny@v2"));
        Assert.Equal(BertNerErrorKind.ObjectNotFound, e.Kind);
        Assert.Contains("'org/tiny@v2' is not in the Hugging Face cache", e.Message);
        Assert.Contains("no refs/v2", e.Message);
        Assert.Contains("HF_HUB_OFFLINE", e.Message);
        Assert.Empty(_hub.Requests);

        // Partly cached: the message names the missing file.
        var repo = _hub.AddRepo("org/tiny", HubTestModel.Files());
        var snap = Resolver().Resolve("org/tiny");
        File.Delete(Path.Combine(snap.Path, "vocab.txt"));
        e = Assert.Throws<BertNerException>(() => Resolver(offline: true).Resolve("org/tiny"));
        Assert.Contains("'org/tiny@main'", e.Message);
        Assert.Contains(repo.Commit, e.Message);
        Assert.Contains("vocab.txt is missing", e.Message);

        // Online, only that file is asked about; its blob is still in the cache, so it is linked again without a download.
        _hub.Requests.Clear();
        Resolver().Resolve("org/tiny");
        Assert.Equal(0, _hub.GetsOfFiles);
        Assert.Equal(new[] { "config.json", "vocab.txt" }, _hub.Requests.Select(r => r.File));
        Assert.True(File.Exists(Path.Combine(snap.Path, "vocab.txt")));

        // With the blob gone too, it is downloaded again.
        File.Delete(Path.Combine(snap.Path, "vocab.txt"));
        File.Delete(Path.Combine(Cache, "models--org--tiny", "blobs", LoopbackHub.GitSha1(HubTestModel.Files()["vocab.txt"])));
        _hub.Requests.Clear();
        Resolver().Resolve("org/tiny");
        Assert.Equal(1, _hub.GetsOfFiles);
        Assert.Equal(1, _hub.Gets("vocab.txt"));
    }

    [Fact]
    public void A_cache_written_by_python_huggingface_hub_is_used_as_it_is()
    {
        // Built by hand exactly as huggingface_hub lays it out: blobs named by ETag, relative symlinks, refs/main, .no_exist.
        var files = HubTestModel.Files();
        var commit = LoopbackHub.RandomCommit();
        var repoFolder = Path.Combine(Cache, "models--dslim--bert-tiny-NER");
        var snapshot = Path.Combine(repoFolder, "snapshots", commit);
        Directory.CreateDirectory(Path.Combine(repoFolder, "blobs"));
        Directory.CreateDirectory(snapshot);
        Directory.CreateDirectory(Path.Combine(repoFolder, "refs"));
        Directory.CreateDirectory(Path.Combine(repoFolder, ".no_exist", commit));
        foreach (var (name, bytes) in files)
        {
            var etag = name.EndsWith(".safetensors") ? LoopbackHub.Sha256(bytes) : LoopbackHub.GitSha1(bytes);
            File.WriteAllBytes(Path.Combine(repoFolder, "blobs", etag), bytes);
            File.CreateSymbolicLink(Path.Combine(snapshot, name), "../../blobs/" + etag);
        }
        File.WriteAllText(Path.Combine(repoFolder, "refs", "main"), commit);
        File.WriteAllBytes(Path.Combine(repoFolder, ".no_exist", commit, "tokenizer.json"), Array.Empty<byte>());
        var before = Directory.GetFileSystemEntries(Cache, "*", SearchOption.AllDirectories).Order().ToArray();

        var offline = Resolver(offline: true).Resolve("dslim/bert-tiny-NER");
        Assert.Equal(snapshot, offline.Path);
        Assert.Equal(files.Values.Sum(b => (long)b.Length), offline.Bytes);
        var quiet = Resolver(LoopbackHub.UnreachableEndpoint(), checkForUpdates: false).Resolve("dslim/bert-tiny-NER");
        Assert.Equal(snapshot, quiet.Path);
        Assert.Empty(_hub.Requests);

        // Online with the hub at the same commit: the commit check, and no download.
        _hub.AddRepo("dslim/bert-tiny-NER", files, commit: commit);
        var online = Resolver().Resolve("dslim/bert-tiny-NER");
        Assert.Equal(snapshot, online.Path);
        Assert.Equal(0, _hub.GetsOfFiles);
        Assert.Single(_hub.Requests);
        Assert.Equal(before, Directory.GetFileSystemEntries(Cache, "*", SearchOption.AllDirectories).Order().ToArray());

        using var model = NerModel.Load(online.Path, device: "Cpu");
        Assert.Equal(TinyModel.Labels, model.Labels);
    }

    [Fact]
    public void Python_refs_with_a_trailing_newline_and_a_pytorch_only_snapshot_are_accepted()
    {
        var files = HubTestModel.Files();
        files.Remove("model.safetensors");
        files["pytorch_model.bin"] = new byte[] { 9, 9, 9 };
        var commit = LoopbackHub.RandomCommit();
        var repoFolder = Path.Combine(Cache, "models--bert-tiny");
        var snapshot = Path.Combine(repoFolder, "snapshots", commit);
        Directory.CreateDirectory(snapshot);
        Directory.CreateDirectory(Path.Combine(repoFolder, "blobs"));
        foreach (var (name, bytes) in files)
        {
            File.WriteAllBytes(Path.Combine(repoFolder, "blobs", LoopbackHub.GitSha1(bytes)), bytes);
            File.CreateSymbolicLink(Path.Combine(snapshot, name), "../../blobs/" + LoopbackHub.GitSha1(bytes));
        }
        Directory.CreateDirectory(Path.Combine(repoFolder, "refs"));
        File.WriteAllText(Path.Combine(repoFolder, "refs", "main"), commit + "\n");
        var snap = Resolver(offline: true).Resolve("bert-tiny");
        Assert.Contains("pytorch_model.bin", snap.Files);
        Assert.DoesNotContain("tokenizer.json", snap.Files); // not known to be absent, but offline does not need it
    }

    [Fact]
    public void An_unreachable_hub_falls_back_to_a_usable_cache_at_once_with_a_warning()
    {
        var repo = _hub.AddRepo("org/tiny", HubTestModel.Files());
        Resolver().Resolve("org/tiny");
        var o = HubTestModel.Options(LoopbackHub.UnreachableEndpoint(), Cache);
        o.Retry = new RetryPolicy { MaxAttempts = 5, InitialDelay = TimeSpan.FromSeconds(2) }; // fallback must not wait for these
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var snap = new HubSnapshotResolver(o).Resolve("org/tiny");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
        Assert.Equal(repo.Commit, snap.Commit);
        var warning = Assert.Single(snap.Warnings);
        Assert.Contains("could not be reached", warning);
        Assert.Contains(repo.Commit[..12], warning);
    }

    [Fact]
    public void An_unreachable_hub_without_a_cache_fails_after_the_retries()
    {
        var endpoint = LoopbackHub.UnreachableEndpoint();
        var e = Assert.Throws<BertNerException>(() => Resolver(endpoint).Resolve("org/tiny"));
        Assert.Equal(BertNerErrorKind.ResourceUnavailable, e.Kind);
        Assert.Contains("'config.json' of 'org/tiny@main'", e.Message);
        Assert.Contains(endpoint, e.Message);
        Assert.Contains("after 3 attempt(s)", e.Message);
        Assert.Contains("ConnectionRefused", e.Message);
    }
}
