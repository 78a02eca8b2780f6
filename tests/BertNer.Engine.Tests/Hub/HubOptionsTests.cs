using BertNer.Hub;
using BertNer.Tests.Support;

namespace BertNer.Tests.Hub;

/// <summary>The environment variables huggingface_hub reads, read the same way (through a lookup, not the process environment).</summary>
public class HubOptionsTests
{
    private static HubOptions From(params (string Name, string Value)[] vars)
    {
        var env = vars.ToDictionary(v => v.Name, v => v.Value);
        return new HubOptions(n => env.TryGetValue(n, out var v) ? v : null);
    }

    private static string Home => Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

    [Fact]
    public void Defaults_match_huggingface_hub()
    {
        var o = From(("HF_HOME", "")); // empty counts as unset
        Assert.Equal("https://huggingface.co", o.Endpoint);
        Assert.Equal(Path.Combine(Home, ".cache", "huggingface", "hub"), o.CacheFolder);
        Assert.False(o.Offline);
        Assert.False(o.HasToken);
        Assert.True(o.CheckForUpdates);
        Assert.Equal(TimeSpan.FromSeconds(10), o.RequestTimeout);
    }

    [Fact]
    public void Cache_folder_precedence_is_HF_HUB_CACHE_then_HF_HOME_then_XDG_CACHE_HOME()
    {
        Assert.Equal("/c/hub", From(("HF_HUB_CACHE", "/c/hub"), ("HF_HOME", "/h"), ("XDG_CACHE_HOME", "/x")).CacheFolder);
        Assert.Equal("/old", From(("HUGGINGFACE_HUB_CACHE", "/old"), ("HF_HOME", "/h")).CacheFolder);
        Assert.Equal(Path.Combine("/h", "hub"), From(("HF_HOME", "/h"), ("XDG_CACHE_HOME", "/x")).CacheFolder);
        Assert.Equal(Path.Combine("/x", "huggingface", "hub"), From(("XDG_CACHE_HOME", "/x")).CacheFolder);
        Assert.Equal(Path.Combine(Home, "hf", "hub"), From(("HF_HOME", "~/hf")).CacheFolder);
    }

    [Theory]
    [InlineData("1", true)]
    [InlineData("ON", true)]
    [InlineData("yes", true)]
    [InlineData("True", true)]
    [InlineData("0", false)]
    [InlineData("off", false)]
    public void HF_HUB_OFFLINE_is_read_as_huggingface_hub_reads_it(string value, bool offline) =>
        Assert.Equal(offline, From(("HF_HUB_OFFLINE", value)).Offline);

    [Fact]
    public void Endpoint_and_timeouts_come_from_the_environment()
    {
        var o = From(("HF_ENDPOINT", "https://mirror.example/"), ("HF_HUB_ETAG_TIMEOUT", "2.5"), ("HF_HUB_DOWNLOAD_TIMEOUT", "7"));
        Assert.Equal("https://mirror.example", o.Endpoint);
        Assert.Equal(TimeSpan.FromSeconds(2.5), o.RequestTimeout);
        Assert.Equal(TimeSpan.FromSeconds(7), o.ReadTimeout);
    }

    [Fact]
    public void Token_comes_from_HF_TOKEN_then_HUGGING_FACE_HUB_TOKEN_then_the_login_file_and_is_never_readable()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["token"], "hf_fromfile\n");
        var a = From(("HF_TOKEN", "hf_a"), ("HUGGING_FACE_HUB_TOKEN", "hf_b"), ("HF_HOME", dir.Path));
        Assert.Equal("HF_TOKEN", a.TokenSource);
        Assert.Equal("hf_a", a.TokenValue);
        Assert.Equal("HUGGING_FACE_HUB_TOKEN", From(("HUGGING_FACE_HUB_TOKEN", "hf_b"), ("HF_HOME", dir.Path)).TokenSource);
        var f = From(("HF_HOME", dir.Path));
        Assert.Equal("hf_fromfile", f.TokenValue);
        Assert.Contains(dir["token"], f.TokenSource);

        // No public getter shows the token, so Format-List or a log of the options cannot print it.
        foreach (var p in typeof(HubOptions).GetProperties().Where(p => p.GetMethod is { IsPublic: true }))
            Assert.DoesNotContain("hf_a", p.GetValue(a)?.ToString() ?? "");
        Assert.Null(typeof(HubOptions).GetProperty("Token")!.GetMethod);
    }

    [Fact]
    public void A_bad_endpoint_is_refused_with_the_value_and_an_example()
    {
        using var dir = new TempDir();
        var o = HubTestModel.Options("ftp://example", dir.Path);
        var e = Assert.Throws<BertNerException>(() => new HubSnapshotResolver(o).Resolve("org/m"));
        Assert.Equal(BertNerErrorKind.InvalidArgument, e.Kind);
        Assert.Contains("ftp://example", e.Message);
        Assert.Contains("HF_ENDPOINT", e.Message);
    }

    [Fact]
    public void Retry_delays_double_up_to_the_maximum()
    {
        var r = new RetryPolicy { InitialDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(5) };
        Assert.Equal(new[] { 1.0, 2, 4, 5, 5 }, Enumerable.Range(1, 5).Select(n => r.DelayBefore(n).TotalSeconds));
    }
}
