using System.Globalization;
using System.Net;
using System.Security.Cryptography;

namespace BertNer.Hub;

/// <summary>
/// Brings one file's content into <c>blobs/{etag}</c>: under the blob's lock, into <c>{etag}.incomplete</c>, resuming
/// what an earlier attempt or process left there (<c>Range: bytes=N-</c>), retrying transient failures, checking size
/// and (for LFS files) sha256, and only then renaming it into place.
/// </summary>
internal sealed class BlobDownloader
{
    private const int BufferSize = 1 << 16;
    private readonly HubHttp _http;
    private readonly HubCache _cache;
    private readonly HubOptions _options;
    private readonly IProgress<HubDownloadProgress>? _progress;

    /// <summary>Bytes received over the network by this downloader, across files and attempts.</summary>
    public long BytesTransferred { get; private set; }

    public BlobDownloader(HubHttp http, HubCache cache, HubOptions options, IProgress<HubDownloadProgress>? progress)
    {
        _http = http; _cache = cache; _options = options; _progress = progress;
    }

    public async Task DownloadAsync(string file, Uri source, HubFileMetadata meta, CancellationToken ct)
    {
        var blob = _cache.BlobPath(meta.Etag);
        if (File.Exists(blob)) return;
        using var held = await FileLock.AcquireAsync(_cache.LockPath(meta.Etag), _options.LockTimeout, ct).ConfigureAwait(false);
        if (File.Exists(blob)) return; // another process finished it while this one waited
        var incomplete = _cache.IncompletePath(meta.Etag);
        Directory.CreateDirectory(Path.GetDirectoryName(incomplete)!);
        try
        {
            await _options.Retry.RunAsync(async () => { await AttemptAsync(file, source, meta, incomplete, ct).ConfigureAwait(false); return true; }, ct)
                .ConfigureAwait(false);
        }
        catch (TransientHubException e)
        {
            throw HubErrors.Unavailable(e, _cache.Model, file, _options);
        }
        Verify(file, meta, incomplete);
        File.Move(incomplete, blob, overwrite: true);
    }

    private async Task AttemptAsync(string file, Uri source, HubFileMetadata meta, string incomplete, CancellationToken ct)
    {
        long have = File.Exists(incomplete) ? new FileInfo(incomplete).Length : 0;
        if (meta.Size is long expected && have > expected) { File.Delete(incomplete); have = 0; }
        if (meta.Size is long size && size > 0 && have == size) return; // complete from an earlier run: Verify decides

        using var response = await _http.SendAsync(HttpMethod.Get, source, have, stopAt: null, ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            File.Delete(incomplete);
            throw new TransientHubException($"the server could not resume at byte {have} (HTTP 416)");
        }
        if (HubErrors.ForStatus(response, _cache.Model, file, _options) is { } error) throw error;

        long start = 0; // a 200 to a Range request means the server sends everything again
        if (response.StatusCode == HttpStatusCode.PartialContent)
        {
            var from = response.Content.Headers.ContentRange?.From;
            if (from != have)
            {
                File.Delete(incomplete);
                throw new TransientHubException($"the server resumed at byte {from?.ToString() ?? "?"} instead of {have}");
            }
            start = have;
        }
        long? total = meta.Size ?? (response.Content.Headers.ContentLength is long length ? start + length : null);

        await using var body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        await using var output = new FileStream(incomplete, FileMode.OpenOrCreate, FileAccess.Write, FileShare.None, BufferSize, useAsync: true);
        output.SetLength(start);
        output.Position = start;
        var meter = new DownloadMeter(_cache.Model.ToString(), file, start, total, _progress);
        var buffer = new byte[BufferSize];
        long done = start;
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(ct);
        while (true)
        {
            stall.CancelAfter(_options.ReadTimeout);
            int n;
            try
            {
                n = await body.ReadAsync(buffer, stall.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
            {
                throw new TransientHubException($"no data for {_options.ReadTimeout.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s after {done} of {total?.ToString() ?? "?"} bytes (timed out)", e);
            }
            catch (Exception e) when (e is IOException or HttpRequestException)
            {
                throw new TransientHubException($"the connection broke after {done} of {total?.ToString() ?? "?"} bytes ({_options.Redact(e.Message)})", e);
            }
            if (n == 0) break;
            await output.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
            done += n;
            BytesTransferred += n;
            meter.Report(done);
        }
        await output.FlushAsync(ct).ConfigureAwait(false);
        output.Flush(flushToDisk: true);
        if (total is long t && done < t) throw new TransientHubException($"the connection ended after {done} of {t} bytes");
        meter.Complete(done);
    }

    private void Verify(string file, HubFileMetadata meta, string incomplete)
    {
        long length = new FileInfo(incomplete).Length;
        if (meta.Size is long size && length != size)
        {
            File.Delete(incomplete);
            throw new BertNerException(BertNerErrorKind.InvalidData,
                $"'{file}' of '{_cache.Model}' arrived with {length} bytes but the hub announced {size}; the partial file was deleted. Try again.", file);
        }
        if (!meta.EtagIsSha256) return; // plain git files carry a git-sha1 ETag, not a content hash to compare with
        string actual;
        using (var stream = new FileStream(incomplete, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20))
            actual = Convert.ToHexString(SHA256.HashData(stream)).ToLowerInvariant();
        if (actual != meta.Etag)
        {
            File.Delete(incomplete);
            throw new BertNerException(BertNerErrorKind.InvalidData,
                $"'{file}' of '{_cache.Model}' is corrupt: its sha256 is {actual} but the hub says {meta.Etag}. The download was deleted; try again.", file);
        }
    }
}
