using System.Globalization;

namespace BertNer.Hub;

/// <summary>
/// Where and how pretrained models are fetched. A new instance reads the same environment variables as
/// Python's huggingface_hub (HF_ENDPOINT, HF_HUB_CACHE / HF_HOME, HF_HUB_OFFLINE, HF_TOKEN /
/// HUGGING_FACE_HUB_TOKEN / the login token file, HF_HUB_ETAG_TIMEOUT, HF_HUB_DOWNLOAD_TIMEOUT), so both
/// share one cache; set properties to override.
/// </summary>
public sealed class HubOptions
{
    public const string DefaultEndpoint = "https://huggingface.co";

    private string? _token;

    /// <summary>The hub's base URL (HF_ENDPOINT, default https://huggingface.co); files are at {Endpoint}/{id}/resolve/{revision}/{file}.</summary>
    public string Endpoint { get; set; }

    /// <summary>The hub cache folder (HF_HUB_CACHE, else HF_HOME/hub, else ~/.cache/huggingface/hub).</summary>
    public string CacheFolder { get; set; }

    /// <summary>Use the cache only, never the network (HF_HUB_OFFLINE=1).</summary>
    public bool Offline { get; set; }

    /// <summary>
    /// When true (default), each resolve of a branch or tag makes one HEAD request (for config.json) to learn the
    /// revision's current commit; files already in that commit's snapshot are not requested again. When false and
    /// the cache already holds a complete snapshot for the revision, no request at all is made.
    /// A revision that is a commit hash never needs that request.
    /// </summary>
    public bool CheckForUpdates { get; set; } = true;

    /// <summary>Snapshot files are symlinks to blobs, as huggingface_hub makes them; false (or a file system without symlinks) writes copies.</summary>
    public bool UseSymlinks { get; set; } = true;

    /// <summary>How long to wait for a response's headers (HF_HUB_ETAG_TIMEOUT seconds, default 10).</summary>
    public TimeSpan RequestTimeout { get; set; }

    /// <summary>How long a download may go without receiving data (HF_HUB_DOWNLOAD_TIMEOUT seconds, default 10).</summary>
    public TimeSpan ReadTimeout { get; set; }

    /// <summary>How long to wait for another process that is downloading the same file.</summary>
    public TimeSpan LockTimeout { get; set; } = TimeSpan.FromMinutes(10);

    public RetryPolicy Retry { get; set; } = new();

    /// <summary>
    /// The access token sent as <c>Authorization: Bearer</c> to the endpoint (never to other hosts).
    /// Write-only so that formatting or logging these options can never show it.
    /// </summary>
    public string? Token
    {
        set
        {
            _token = string.IsNullOrWhiteSpace(value) ? null : value.Trim();
            TokenSource = _token is null ? null : "the Token option";
        }
    }

    /// <summary>Where the token came from ("HF_TOKEN", …), for messages; never the token itself.</summary>
    public string? TokenSource { get; private set; }

    public bool HasToken => _token is not null;

    internal string? TokenValue => _token;

    /// <summary>Reads defaults from the process environment.</summary>
    public HubOptions() : this(Environment.GetEnvironmentVariable) { }

    /// <summary>Reads defaults through <paramref name="environment"/> (a variable name → value lookup; tests pass their own).</summary>
    public HubOptions(Func<string, string?> environment)
    {
        string? Env(string name) => environment(name) is { Length: > 0 } v ? v.Trim() : null;

        Endpoint = (Env("HF_ENDPOINT") ?? DefaultEndpoint).TrimEnd('/');
        var home = ExpandHome(Env("HF_HOME") ?? Path.Combine(Env("XDG_CACHE_HOME") ?? Path.Combine(UserHome(), ".cache"), "huggingface"));
        CacheFolder = ExpandHome(Env("HF_HUB_CACHE") ?? Env("HUGGINGFACE_HUB_CACHE") ?? Path.Combine(home, "hub"));
        Offline = IsTrue(Env("HF_HUB_OFFLINE"));
        RequestTimeout = Seconds(Env("HF_HUB_ETAG_TIMEOUT"), 10);
        ReadTimeout = Seconds(Env("HF_HUB_DOWNLOAD_TIMEOUT"), 10);

        foreach (var name in new[] { "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN" })
            if (Env(name) is { } value) { _token = value; TokenSource = name; return; }
        // `huggingface-cli login` stores the token here; Python finds it there too.
        var tokenFile = ExpandHome(Env("HF_TOKEN_PATH") ?? Path.Combine(home, "token"));
        try
        {
            if (File.Exists(tokenFile) && File.ReadAllText(tokenFile).Trim() is { Length: > 0 } stored)
            {
                _token = stored;
                TokenSource = $"the token file '{tokenFile}'";
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // unreadable token file: go on without a token, as huggingface_hub does
        }
    }

    /// <summary>Replaces the token wherever it might appear in text that came from outside (server messages, exceptions).</summary>
    internal string Redact(string text) =>
        _token is { Length: > 0 } t ? text.Replace(t, "***", StringComparison.Ordinal) : text;

    /// <summary>The endpoint as a URI, or a clear error naming the bad value.</summary>
    internal Uri EndpointUri()
    {
        if (Uri.TryCreate(Endpoint, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            && string.IsNullOrEmpty(uri.Query) && string.IsNullOrEmpty(uri.Fragment))
            return new Uri(uri.AbsoluteUri.TrimEnd('/') + "/");
        throw new BertNerException(BertNerErrorKind.InvalidArgument,
            $"The hub endpoint '{Endpoint}' is not an http(s) URL. Set HF_ENDPOINT (or -Endpoint) to e.g. {DefaultEndpoint}.", "Endpoint");
    }

    private static bool IsTrue(string? v) => v is not null && v.ToUpperInvariant() is "1" or "ON" or "YES" or "TRUE";

    private static TimeSpan Seconds(string? v, double fallback) =>
        TimeSpan.FromSeconds(double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s > 0 ? s : fallback);

    private static string UserHome() => Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

    private static string ExpandHome(string path) =>
        path == "~" ? UserHome()
        : path.StartsWith("~/", StringComparison.Ordinal) || path.StartsWith("~\\", StringComparison.Ordinal) ? Path.Combine(UserHome(), path[2..])
        : path;
}
