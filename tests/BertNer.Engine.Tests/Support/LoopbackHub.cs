using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace BertNer.Tests.Support;

/// <summary>One request as the loopback hub saw it.</summary>
/// <param name="Server">"hub" (the endpoint) or "cdn" (where LFS files redirect to: another port, so another origin).</param>
public sealed record LoopbackRequest(string Server, string Method, string Path, IReadOnlyDictionary<string, string> Headers)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;
    /// <summary>The repository file a hub request asked for (after /resolve/{revision}/), or the blob name for the CDN.</summary>
    public string File => Path.Contains("/resolve/") ? string.Join('/', Path[(Path.IndexOf("/resolve/") + 9)..].Split('/').Skip(1).Select(Uri.UnescapeDataString)) : Path.Split('/').Last();
}

/// <summary>A misbehaviour the loopback hub can put into one answer.</summary>
public sealed record LoopbackFault
{
    /// <summary>Answer with this status (and X-Error-Code, if given) instead of the file.</summary>
    public int? Status { get; init; }
    public string? ErrorCode { get; init; }
    /// <summary>Wait this long before sending anything.</summary>
    public TimeSpan HeaderDelay { get; init; }
    /// <summary>Send the full headers but only this many body bytes, then close the connection.</summary>
    public long? DropAfterBytes { get; init; }
    /// <summary>Send this many body bytes, then go silent for <see cref="StallFor"/>.</summary>
    public long? StallAfterBytes { get; init; }
    public TimeSpan StallFor { get; init; }
    /// <summary>Flip one byte of the body (a corrupted transfer).</summary>
    public bool Corrupt { get; init; }
    /// <summary>Headers to set on (or add to) the normal answer, e.g. a hostile ETag.</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }
}

/// <summary>
/// A Hugging Face Hub on 127.0.0.1 for tests: <c>{endpoint}/{id}/resolve/{revision}/{file}</c> with the hub's headers
/// (X-Repo-Commit, ETag = git blob sha1, X-Linked-Etag = sha256 and X-Linked-Size for LFS files, X-Error-Code),
/// LFS files redirected (302) to a second listener acting as the CDN, Range requests (206), private and gated repos,
/// and scripted faults. Every request is recorded. Raw sockets, so a connection can be dropped mid-body.
/// </summary>
public sealed class LoopbackHub : IDisposable
{
    public sealed class Repo
    {
        public required string Id { get; init; }
        public Dictionary<string, string> Refs { get; } = new();
        public Dictionary<string, byte[]> Files { get; } = new();
        public HashSet<string> Lfs { get; } = new();
        public bool Private { get; set; }
        public bool Gated { get; set; }
        public string Commit => Refs["main"];
    }

    private readonly TcpListener _hub = new(IPAddress.Loopback, 0);
    private readonly TcpListener _cdn = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, Repo> _repos = new();
    private readonly ConcurrentBag<Task> _connections = new();
    private readonly Task[] _acceptLoops;

    public ConcurrentQueue<LoopbackRequest> Requests { get; } = new();

    /// <summary>The token that opens private and gated repos.</summary>
    public string? AcceptedToken { get; set; }

    /// <summary>Asked for every request; a non-null answer replaces the normal one.</summary>
    public Func<LoopbackRequest, LoopbackFault?>? Faults { get; set; }

    public string Endpoint { get; }
    public string CdnOrigin { get; }

    public LoopbackHub()
    {
        _hub.Start();
        _cdn.Start();
        Endpoint = $"http://127.0.0.1:{((IPEndPoint)_hub.LocalEndpoint).Port}";
        CdnOrigin = $"http://127.0.0.1:{((IPEndPoint)_cdn.LocalEndpoint).Port}";
        _acceptLoops = new[] { AcceptLoop(_hub, "hub"), AcceptLoop(_cdn, "cdn") };
    }

    public Repo AddRepo(string id, IReadOnlyDictionary<string, byte[]> files, IEnumerable<string>? lfs = null, string? commit = null)
    {
        var repo = new Repo { Id = id };
        repo.Refs["main"] = commit ?? RandomCommit();
        foreach (var (name, bytes) in files) repo.Files[name] = bytes;
        foreach (var name in lfs ?? files.Keys.Where(n => n.EndsWith(".safetensors") || n.EndsWith(".bin"))) repo.Lfs.Add(name);
        _repos[id] = repo;
        return repo;
    }

    public static string RandomCommit() => Convert.ToHexString(RandomNumberGenerator.GetBytes(20)).ToLowerInvariant();
    public static string Sha256(byte[] b) => Convert.ToHexString(SHA256.HashData(b)).ToLowerInvariant();
    public static string GitSha1(byte[] b) =>
        Convert.ToHexString(SHA1.HashData(Encoding.ASCII.GetBytes($"blob {b.Length}\0").Concat(b).ToArray())).ToLowerInvariant();

    public int Count(Func<LoopbackRequest, bool> match) => Requests.Count(match);
    public int Gets(string file) => Count(r => r.Method == "GET" && r.File == file);
    public int GetsOfFiles => Count(r => r.Method == "GET");

    private async Task AcceptLoop(TcpListener listener, string server)
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception) { return; }
            _connections.Add(Task.Run(() => Serve(client, server)));
        }
    }

    private async Task Serve(TcpClient client, string server)
    {
        using var _ = client;
        try
        {
            var stream = client.GetStream();
            using var readTimeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            readTimeout.CancelAfter(TimeSpan.FromSeconds(5));
            var head = await ReadHead(stream, readTimeout.Token);
            if (head is null) return;
            var lines = head.Split("\r\n");
            var first = lines[0].Split(' ');
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var line in lines.Skip(1).Where(l => l.Contains(':')))
                headers[line[..line.IndexOf(':')].Trim()] = line[(line.IndexOf(':') + 1)..].Trim();
            var request = new LoopbackRequest(server, first[0], first[1].Split('?')[0], headers);
            Requests.Enqueue(request);
            var fault = Faults?.Invoke(request);
            if (fault is { HeaderDelay.Ticks: > 0 }) await Task.Delay(fault.HeaderDelay, _stop.Token);
            var answer = fault?.Status is int status
                ? Answer.Error(status, fault.ErrorCode)
                : server == "hub" ? Route(request) : Cdn(request);
            foreach (var (k, v) in fault?.Headers ?? new Dictionary<string, string>()) answer.Headers[k] = v;
            await Send(client, stream, request, answer, fault);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // the client went away or the server is stopping
        }
    }

    private sealed record Answer(int Status, Dictionary<string, string> Headers, byte[] Body)
    {
        public static Answer Error(int status, string? code) =>
            new(status, code is null ? new() : new() { ["X-Error-Code"] = code, ["X-Error-Message"] = code + " (loopback hub)" }, Array.Empty<byte>());
    }

    private Answer Route(LoopbackRequest r)
    {
        int at = r.Path.IndexOf("/resolve/", StringComparison.Ordinal);
        if (at < 0) return Answer.Error(404, null);
        var id = r.Path[1..at];
        var rest = r.Path[(at + 9)..].Split('/');
        var revision = Uri.UnescapeDataString(rest[0]);
        var file = string.Join('/', rest.Skip(1).Select(Uri.UnescapeDataString));
        var auth = r.Header("Authorization");
        bool authorized = AcceptedToken is not null && auth == "Bearer " + AcceptedToken;
        if (!_repos.TryGetValue(id, out var repo) || (repo.Private && !authorized))
            return Answer.Error(auth is null ? 401 : 404, "RepoNotFound");
        if (repo.Gated && !authorized) return Answer.Error(auth is null ? 401 : 403, "GatedRepo");
        var commit = repo.Refs.TryGetValue(revision, out var c) ? c : repo.Refs.ContainsValue(revision) ? revision : null;
        if (commit is null) return Answer.Error(404, "RevisionNotFound");
        if (!repo.Files.TryGetValue(file, out var bytes)) return Answer.Error(404, "EntryNotFound");
        var headers = new Dictionary<string, string> { ["X-Repo-Commit"] = commit };
        if (repo.Lfs.Contains(file))
        {
            var sha = Sha256(bytes);
            headers["X-Linked-Etag"] = $"\"{sha}\"";
            headers["X-Linked-Size"] = bytes.Length.ToString();
            headers["ETag"] = $"W/\"{GitSha1(Encoding.ASCII.GetBytes("pointer " + sha))}\"";
            headers["Location"] = $"{CdnOrigin}/blobs/{sha}?signature=loopback";
            return new Answer(302, headers, Array.Empty<byte>());
        }
        headers["ETag"] = $"\"{GitSha1(bytes)}\"";
        return new Answer(200, headers, bytes);
    }

    private Answer Cdn(LoopbackRequest r)
    {
        var sha = r.Path.Split('/').Last();
        var bytes = _repos.Values.SelectMany(x => x.Files.Values).FirstOrDefault(b => Sha256(b) == sha);
        return bytes is null ? Answer.Error(404, null) : new Answer(200, new() { ["ETag"] = $"\"{sha}\"" }, bytes);
    }

    private async Task Send(TcpClient client, NetworkStream stream, LoopbackRequest request, Answer answer, LoopbackFault? fault)
    {
        int status = answer.Status;
        var body = answer.Body;
        var headers = new Dictionary<string, string>(answer.Headers);
        if (status == 200 && request.Header("Range") is { } range && range.StartsWith("bytes=") && range.EndsWith("-"))
        {
            long from = long.Parse(range[6..^1]);
            if (from >= body.Length)
            {
                status = 416;
                headers["Content-Range"] = $"bytes */{body.Length}";
                body = Array.Empty<byte>();
            }
            else
            {
                status = 206;
                headers["Content-Range"] = $"bytes {from}-{body.Length - 1}/{body.Length}";
                body = body[(int)from..];
            }
        }
        if (fault?.Corrupt == true && body.Length > 0)
        {
            body = (byte[])body.Clone();
            body[body.Length / 2] ^= 0xFF;
        }
        var head = new StringBuilder($"HTTP/1.1 {status} {Reason(status)}\r\n");
        foreach (var (k, v) in headers) head.Append($"{k}: {v}\r\n");
        head.Append($"Content-Length: {body.Length}\r\nConnection: close\r\n\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()), _stop.Token);
        if (request.Method == "HEAD") return;
        long limit = fault?.DropAfterBytes ?? fault?.StallAfterBytes ?? body.Length;
        await stream.WriteAsync(body.AsMemory(0, (int)Math.Min(limit, body.Length)), _stop.Token);
        await stream.FlushAsync(_stop.Token);
        if (fault?.DropAfterBytes is not null)
        {
            // Close (FIN, not RST: a reset may make the client's kernel discard bytes it has not read yet, and the
            // tests check the exact resume offset); the client sees the body end before Content-Length.
            client.Client.Shutdown(SocketShutdown.Both);
            client.Client.Close();
            return;
        }
        if (fault?.StallAfterBytes is not null)
        {
            await Task.Delay(fault.StallFor, _stop.Token);
            await stream.WriteAsync(body.AsMemory((int)limit), _stop.Token);
        }
    }

    private static string Reason(int status) => status switch
    {
        200 => "OK", 206 => "Partial Content", 302 => "Found", 401 => "Unauthorized", 403 => "Forbidden",
        404 => "Not Found", 416 => "Range Not Satisfiable", 500 => "Internal Server Error", 503 => "Service Unavailable", _ => "Status",
    };

    private static async Task<string?> ReadHead(NetworkStream stream, CancellationToken ct)
    {
        var buffer = new List<byte>();
        var one = new byte[1];
        while (buffer.Count < 16384)
        {
            if (await stream.ReadAsync(one, ct) == 0) return null;
            buffer.Add(one[0]);
            int n = buffer.Count;
            if (n >= 4 && buffer[n - 4] == '\r' && buffer[n - 3] == '\n' && buffer[n - 2] == '\r' && buffer[n - 1] == '\n')
                return Encoding.ASCII.GetString(buffer.ToArray(), 0, n - 4);
        }
        return null;
    }

    /// <summary>A port on 127.0.0.1 where nothing listens (a hub that cannot be reached).</summary>
    public static string UnreachableEndpoint()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return $"http://127.0.0.1:{port}";
    }

    public void Dispose()
    {
        _stop.Cancel();
        _hub.Stop();
        _cdn.Stop();
        Task.WaitAll(_acceptLoops.Concat(_connections).ToArray(), TimeSpan.FromSeconds(5));
        _stop.Dispose();
    }
}
