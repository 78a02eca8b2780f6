using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;

namespace BertNer.Runtime;

/// <summary>
/// A NuGet v3 feed: the service index names <c>PackageBaseAddress/3.0.0</c> (the flat container packages are
/// downloaded from) and, on nuget.org, registrations whose catalog leaf carries the package's SHA512. Mirrors often
/// serve no catalog; then only the hash built into BertNer checks the download (<see cref="KnownPackageHashes"/>).
/// </summary>
internal sealed class NuGetFeedSource : PackageSource
{
    private const int BufferSize = 1 << 16;
    private readonly Uri _index;
    private readonly TimeSpan _timeout;
    private readonly HttpClient _http;
    private Uri? _packageBase;
    private Uri? _registrations;

    public NuGetFeedSource(Uri index, TimeSpan timeout)
    {
        _index = index;
        _timeout = timeout;
        var handler = new SocketsHttpHandler { ConnectTimeout = timeout, AutomaticDecompression = DecompressionMethods.All };
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("BertNer", typeof(NuGetFeedSource).Assembly.GetName().Version?.ToString(3) ?? "0"));
    }

    public override string Location => _index.ToString();

    public override async Task<FetchedPackage> FetchAsync(RuntimePackage package, string downloadFolder, Action<long, long?>? progress, CancellationToken ct)
    {
        await ReadServiceIndexAsync(ct).ConfigureAwait(false);
        var id = package.Id.ToLowerInvariant();
        var version = package.Version.ToLowerInvariant();
        var url = new Uri(_packageBase!, $"{id}/{version}/{package.FileName}");
        Directory.CreateDirectory(downloadFolder);
        var path = Path.Combine(downloadFolder, package.FileName);
        using (var response = await SendAsync(url, ct).ConfigureAwait(false))
        {
            if (response.StatusCode == HttpStatusCode.NotFound)
                throw new BertNerException(BertNerErrorKind.ObjectNotFound, $"The feed {_index} has no package {package} ({url} answered 404).", url.ToString());
            if (!response.IsSuccessStatusCode)
                throw Unreachable($"{url} answered HTTP {(int)response.StatusCode} {response.ReasonPhrase}", null);
            long? total = response.Content.Headers.ContentLength;
            long done = 0;
            await using var body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            await using (var output = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, BufferSize, useAsync: true))
            {
                var buffer = new byte[BufferSize];
                using var stall = CancellationTokenSource.CreateLinkedTokenSource(ct);
                while (true)
                {
                    stall.CancelAfter(_timeout);
                    int n;
                    try { n = await body.ReadAsync(buffer, stall.Token).ConfigureAwait(false); }
                    catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
                    { throw Unreachable($"no data from {url} for {_timeout.TotalSeconds:0} s after {done} bytes", e); }
                    catch (Exception e) when (e is IOException or HttpRequestException)
                    { throw Unreachable($"the download of {url} broke after {done} of {total?.ToString() ?? "?"} bytes ({e.Message})", e); }
                    if (n == 0) break;
                    await output.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
                    done += n;
                    progress?.Invoke(done, total);
                }
            }
            if (total is long t && done != t)
                throw Unreachable($"the download of {url} ended after {done} of {t} bytes (a truncated package)", null);
        }
        var (hash, origin) = await CatalogHashAsync(id, version, ct).ConfigureAwait(false);
        return new FetchedPackage(path, hash, origin);
    }

    private async Task ReadServiceIndexAsync(CancellationToken ct)
    {
        if (_packageBase is not null) return;
        string json;
        using (var response = await SendAsync(_index, ct).ConfigureAwait(false))
        {
            if (!response.IsSuccessStatusCode)
                throw Unreachable($"{_index} answered HTTP {(int)response.StatusCode} {response.ReasonPhrase}", null);
            json = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        }
        try
        {
            using var doc = JsonDocument.Parse(json);
            foreach (var r in doc.RootElement.GetProperty("resources").EnumerateArray())
            {
                var type = r.GetProperty("@type").GetString() ?? "";
                var at = r.GetProperty("@id").GetString();
                if (at is null) continue;
                if (type == "PackageBaseAddress/3.0.0") _packageBase ??= new Uri(at.EndsWith('/') ? at : at + "/");
                else if (type.StartsWith("RegistrationsBaseUrl", StringComparison.Ordinal)) _registrations ??= new Uri(at.EndsWith('/') ? at : at + "/");
            }
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or UriFormatException)
        {
            throw new BertNerException(BertNerErrorKind.InvalidData, $"{_index} is not a NuGet v3 service index ({e.Message}). Give the feed's index.json URL.", "Source", e);
        }
        if (_packageBase is null)
            throw new BertNerException(BertNerErrorKind.InvalidData, $"The service index {_index} has no PackageBaseAddress/3.0.0 resource, so packages cannot be downloaded from it.", "Source");
    }

    /// <summary>The registration leaf's catalog entry carries packageHash (SHA512, base64); null when the feed has no catalog.</summary>
    private async Task<(string?, string)> CatalogHashAsync(string id, string version, CancellationToken ct)
    {
        if (_registrations is null) return (null, "");
        try
        {
            var leafUrl = new Uri(_registrations, $"{id}/{version}.json");
            using var leaf = await GetJsonAsync(leafUrl, ct).ConfigureAwait(false);
            if (leaf is null || !leaf.RootElement.TryGetProperty("catalogEntry", out var entry)) return (null, "");
            JsonDocument? catalog = null;
            try
            {
                var details = entry;
                if (entry.ValueKind == JsonValueKind.String)
                {
                    catalog = await GetJsonAsync(new Uri(entry.GetString()!), ct).ConfigureAwait(false);
                    if (catalog is null) return (null, "");
                    details = catalog.RootElement;
                }
                if (details.TryGetProperty("packageHash", out var hash) && details.TryGetProperty("packageHashAlgorithm", out var alg)
                    && string.Equals(alg.GetString(), "SHA512", StringComparison.OrdinalIgnoreCase))
                    return (hash.GetString(), $"the feed's catalog ({(entry.ValueKind == JsonValueKind.String ? entry.GetString() : leafUrl)})");
                return (null, "");
            }
            finally { catalog?.Dispose(); }
        }
        catch (Exception e) when (e is JsonException or HttpRequestException or UriFormatException or InvalidOperationException or BertNerException)
        {
            return (null, ""); // no usable catalog: the built-in hash has to do
        }
    }

    private async Task<JsonDocument?> GetJsonAsync(Uri url, CancellationToken ct)
    {
        using var response = await SendAsync(url, ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode) return null;
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false));
    }

    private async Task<HttpResponseMessage> SendAsync(Uri url, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_timeout);
        try
        {
            return await _http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw Unreachable($"{url.GetLeftPart(UriPartial.Authority)} did not answer within {_timeout.TotalSeconds:0} s", e);
        }
        catch (HttpRequestException e)
        {
            var why = e.InnerException is SocketException s ? $"{s.SocketErrorCode}: {e.Message}" : e.Message;
            throw Unreachable($"could not reach {url.GetLeftPart(UriPartial.Authority)} ({why})", e);
        }
    }

    private BertNerException Unreachable(string what, Exception? inner) =>
        new RuntimeSourceUnavailableException(Location, what, inner);

    public override void Dispose() => _http.Dispose();
}
