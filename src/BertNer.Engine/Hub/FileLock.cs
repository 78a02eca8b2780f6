namespace BertNer.Hub;

/// <summary>
/// An exclusive lock on a file shared between processes. .NET takes <c>flock(LOCK_EX)</c> for FileShare.None on
/// Unix, the same lock Python's <c>filelock</c> takes, so BertNer and huggingface_hub never write one blob together.
/// Only a lock another process holds is waited for: a lock file that cannot be created (a read-only file system,
/// a missing folder) fails at once, as waiting would not change it.
/// </summary>
internal sealed class FileLock : IDisposable
{
    private readonly FileStream _stream;

    private FileLock(FileStream stream) => _stream = stream;

    /// <param name="holderWork">What the process holding the lock is doing, for the timeout's message ("downloading into the cache").</param>
    public static async Task<FileLock> AcquireAsync(string path, TimeSpan timeout, CancellationToken ct, string holderWork = "downloading into the cache")
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var started = DateTime.UtcNow;
        while (true)
        {
            try
            {
                return new FileLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException e) when (HeldByAnother(e) && DateTime.UtcNow - started < timeout)
            {
                await Task.Delay(100, ct).ConfigureAwait(false);
            }
            catch (IOException e) when (HeldByAnother(e))
            {
                throw new BertNerException(BertNerErrorKind.ResourceUnavailable,
                    $"Another process has been {holderWork} for over {timeout.TotalSeconds:0} s and still holds '{path}'. "
                    + "Wait for it to finish; if none is running, delete that lock file.", path, e);
            }
        }
    }

    /// <summary>
    /// The lock is taken: flock's EWOULDBLOCK on Unix (11 on Linux, 35 on macOS; .NET puts the errno in HResult), a
    /// sharing or lock violation on Windows. Anything else (EROFS, ENOENT, EACCES) is not a wait.
    /// </summary>
    internal static bool HeldByAnother(IOException e) =>
        e.GetType() == typeof(IOException) && e.HResult is 11 or 35 or unchecked((int)0x80070020) or unchecked((int)0x80070021);

    public void Dispose() => _stream.Dispose();
}
