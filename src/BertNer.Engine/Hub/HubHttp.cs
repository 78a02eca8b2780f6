using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;

namespace BertNer.Hub;

/// <summary>
/// The HTTP side of the hub: one request with its redirects followed by hand, so that the token goes only to
/// the endpoint's own origin (never to the CDN an LFS file redirects to), an https→http downgrade is refused,
/// and every wait is bounded. Failures worth retrying come out as <see cref="TransientHubException"/>.
/// </summary>
internal sealed class HubHttp : IDisposable
{
    private const int MaxRedirects = 10;
    private readonly HttpClient _client;
    private readonly HubOptions _options;

    public Uri Endpoint { get; }

    public HubHttp(HubOptions options)
    {
        _options = options;
        Endpoint = options.EndpointUri();
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            ConnectTimeout = options.RequestTimeout,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        };
        _client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        _client.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("BertNer", typeof(HubHttp).Assembly.GetName().Version?.ToString(3) ?? "0"));
        // Sizes and ETags must describe the bytes as stored, not a gzip of them.
        _client.DefaultRequestHeaders.AcceptEncoding.Add(new StringWithQualityHeaderValue("identity"));
    }

    /// <summary><c>{endpoint}/{id}/resolve/{revision}/{file}</c>, each part escaped (a revision like refs/pr/1 becomes one segment).</summary>
    public Uri ResolveUrl(HubModelId model, string revision, string file) =>
        new(Endpoint, $"{model.Id}/resolve/{Uri.EscapeDataString(revision)}/{string.Join('/', file.Split('/').Select(Uri.EscapeDataString))}");

    /// <summary>
    /// Sends <paramref name="method"/> and follows redirects. <paramref name="stopAt"/> may accept a redirect as the
    /// final answer (a HEAD on an LFS file: the 302 carries the metadata). <paramref name="rangeStart"/> &gt; 0 asks for
    /// <c>Range: bytes=N-</c>. Only the headers have been read when this returns.
    /// </summary>
    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, Uri url, long rangeStart,
        Func<HttpResponseMessage, bool>? stopAt, CancellationToken ct)
    {
        for (int hop = 0; ; hop++)
        {
            var response = await SendOnceAsync(method, url, rangeStart, ct).ConfigureAwait(false);
            if (!IsRedirect(response.StatusCode) || (stopAt?.Invoke(response) ?? false)) return response;
            var next = RedirectTarget(response, url);
            response.Dispose();
            if (hop + 1 >= MaxRedirects)
                throw new BertNerException(BertNerErrorKind.ResourceUnavailable,
                    $"{url.GetLeftPart(UriPartial.Authority)} redirected more than {MaxRedirects} times; the hub or a proxy is misconfigured.", url.AbsolutePath);
            if (url.Scheme == Uri.UriSchemeHttps && next.Scheme != Uri.UriSchemeHttps)
                throw new BertNerException(BertNerErrorKind.ResourceUnavailable,
                    $"{url.GetLeftPart(UriPartial.Authority)} redirected from https to plain http ({next.GetLeftPart(UriPartial.Authority)}); refused.", url.AbsolutePath);
            url = next;
        }
    }

    public static bool IsRedirect(HttpStatusCode code) => (int)code is 301 or 302 or 303 or 307 or 308;

    /// <summary>The Location of a redirect, resolved against the URL it answered.</summary>
    public static Uri RedirectTarget(HttpResponseMessage response, Uri from)
    {
        var location = response.Headers.Location
            ?? throw new BertNerException(BertNerErrorKind.ResourceUnavailable,
                $"{from.GetLeftPart(UriPartial.Authority)} answered HTTP {(int)response.StatusCode} without a Location header.", from.AbsolutePath);
        return location.IsAbsoluteUri ? location : new Uri(from, location);
    }

    /// <summary>Same scheme, host and port as the endpoint: the only place the token may go.</summary>
    public bool IsEndpointOrigin(Uri url) =>
        Uri.Compare(url, Endpoint, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0;

    private async Task<HttpResponseMessage> SendOnceAsync(HttpMethod method, Uri url, long rangeStart, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, url);
        if (_options.TokenValue is { } token && IsEndpointOrigin(url))
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (rangeStart > 0) request.Headers.Range = new RangeHeaderValue(rangeStart, null);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_options.RequestTimeout);
        HttpResponseMessage response;
        try
        {
            response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new TransientHubException($"{Authority(url)} did not answer within {_options.RequestTimeout.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s (timed out)", e);
        }
        catch (HttpRequestException e) when (e.HttpRequestError == HttpRequestError.SecureConnectionError)
        {
            throw new BertNerException(BertNerErrorKind.ResourceUnavailable,
                $"The TLS connection to {Authority(url)} failed: {_options.Redact(e.Message)} Check the system clock, proxy and certificates.", url.AbsolutePath, e);
        }
        catch (HttpRequestException e)
        {
            throw new TransientHubException($"could not talk to {Authority(url)}: {_options.Redact(Describe(e))}", e);
        }
        timeout.CancelAfter(Timeout.InfiniteTimeSpan);
        return response;
    }

    private static string Authority(Uri url) => url.GetLeftPart(UriPartial.Authority);

    private static string Describe(HttpRequestException e) =>
        e.InnerException is SocketException s ? $"{s.SocketErrorCode} ({e.Message})"
        : e.InnerException is IOException io ? $"{e.Message} ({io.Message})"
        : e.Message;

    public void Dispose() => _client.Dispose();
}
