namespace BertNer.Hub;

/// <summary>
/// An exclusive lock on a file shared between processes. .NET takes <c>flock(LOCK_EX)</c> for FileShare.None on
/// Unix, the same lock Python's <c>filelock</c> takes, so BertNer and huggingface_hub never write one blob together.
/// </summary>
internal sealed class FileLock : IDisposable
{
    private readonly FileStream _stream;

    private FileLock(FileStream stream) => _stream = stream;

    public static async Task<FileLock> AcquireAsync(string path, TimeSpan timeout, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var started = DateTime.UtcNow;
        while (true)
        {
            try
            {
                return new FileLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException) when (DateTime.UtcNow - started < timeout)
            {
                await Task.Delay(100, ct).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                throw new BertNerException(BertNerErrorKind.ResourceUnavailable,
                    $"Another process has been downloading into the cache for over {timeout.TotalSeconds:0} s and still holds '{path}'. "
                    + "Wait for it to finish; if no download is running, delete that lock file.", path, e);
            }
        }
    }

    public void Dispose() => _stream.Dispose();
}
