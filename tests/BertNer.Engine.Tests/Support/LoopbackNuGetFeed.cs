using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace BertNer.Tests.Support;

/// <summary>
/// A NuGet v3 feed on 127.0.0.1 (HttpListener): a service index naming PackageBaseAddress and (unless
/// <see cref="WithCatalog"/> is off) RegistrationsBaseUrl, the flat container with the packages, and registration
/// leaves pointing to catalog leaves that carry packageHash. Faults: serve other bytes than the catalog's hash
/// describes, or cut a download off half way.
/// </summary>
public sealed class LoopbackNuGetFeed : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentDictionary<string, byte[]> _packages = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, string> _catalogHashes = new(StringComparer.OrdinalIgnoreCase);
    private readonly Task _loop;

    public string BaseUrl { get; }
    public string IndexUrl => BaseUrl + "v3/index.json";
    public bool WithCatalog { get; set; } = true;
    /// <summary>Package file names (id.version.nupkg) whose download stops after half the bytes, then the connection closes.</summary>
    public ConcurrentDictionary<string, bool> Truncate { get; } = new(StringComparer.OrdinalIgnoreCase);
    public ConcurrentQueue<string> Requests { get; } = new();

    public LoopbackNuGetFeed()
    {
        var port = FreePort();
        BaseUrl = $"http://127.0.0.1:{port}/";
        _listener.Prefixes.Add(BaseUrl);
        _listener.Start();
        _loop = Task.Run(Loop);
    }

    public static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    /// <summary>Serves <paramref name="bytes"/> as id/version; the catalog announces <paramref name="catalogHash"/> (default: the real hash).</summary>
    public void Add(string id, string version, byte[] bytes, string? catalogHash = null)
    {
        var key = $"{id}/{version}".ToLowerInvariant();
        _packages[key] = bytes;
        _catalogHashes[key] = catalogHash ?? SyntheticPackages.Sha512(bytes);
    }

    private async Task Loop()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception) { return; }
            _ = Task.Run(() => Answer(context));
        }
    }

    private void Answer(HttpListenerContext context)
    {
        var path = context.Request.Url!.AbsolutePath;
        Requests.Enqueue(path);
        var response = context.Response;
        try
        {
            var parts = path.Trim('/').Split('/');
            if (path == "/v3/index.json")
            {
                var registrations = WithCatalog ? $",{{\"@id\":\"{BaseUrl}reg/\",\"@type\":\"RegistrationsBaseUrl/3.6.0\"}}" : "";
                Json(response, $"{{\"version\":\"3.0.0\",\"resources\":[{{\"@id\":\"{BaseUrl}flat/\",\"@type\":\"PackageBaseAddress/3.0.0\"}}{registrations}]}}");
            }
            else if (parts.Length == 4 && parts[0] == "flat" && _packages.TryGetValue($"{parts[1]}/{parts[2]}", out var bytes))
            {
                response.ContentType = "application/octet-stream";
                response.ContentLength64 = bytes.Length;
                if (Truncate.ContainsKey(parts[3]))
                {
                    response.OutputStream.Write(bytes, 0, bytes.Length / 2);
                    response.OutputStream.Flush();
                    response.Abort();
                    return;
                }
                response.OutputStream.Write(bytes);
            }
            else if (WithCatalog && parts.Length == 3 && parts[0] == "reg" && parts[2].EndsWith(".json", StringComparison.Ordinal)
                     && _catalogHashes.ContainsKey($"{parts[1]}/{parts[2][..^5]}"))
            {
                Json(response, $"{{\"catalogEntry\":\"{BaseUrl}catalog/{parts[1]}/{parts[2]}\"}}");
            }
            else if (WithCatalog && parts.Length == 3 && parts[0] == "catalog" && _catalogHashes.TryGetValue($"{parts[1]}/{parts[2][..^5]}", out var hash))
            {
                Json(response, $"{{\"packageHash\":\"{hash}\",\"packageHashAlgorithm\":\"SHA512\"}}");
            }
            else response.StatusCode = 404;
            response.Close();
        }
        catch (Exception) when (!_listener.IsListening) { }
        catch (HttpListenerException) { }
        catch (ObjectDisposedException) { }
    }

    private static void Json(HttpListenerResponse response, string json)
    {
        var body = Encoding.UTF8.GetBytes(json);
        response.ContentType = "application/json";
        response.ContentLength64 = body.Length;
        response.OutputStream.Write(body);
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        try { _loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
    }
}
