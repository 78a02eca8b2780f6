namespace BertNer.Training;

/// <summary>
/// The run's train.log. A line that cannot be written (a full disk) must not end the run on its own, nor hide the
/// error that ends it: the first failure is reported once through <c>onFailure</c> and the file log stops; closing
/// never throws. Checkpoint writes, not the log, decide whether a run can go on.
/// </summary>
internal sealed class RunLog : IDisposable
{
    private readonly Action<string> _onFailure;
    private StreamWriter? _writer;

    public RunLog(string path, Action<string> onFailure)
    {
        Path = path;
        _onFailure = onFailure;
        _writer = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
    }

    public string Path { get; }

    public void WriteLine(string line)
    {
        if (_writer is null) return;
        try
        {
            _writer.WriteLine($"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ssZ} {line}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Close();
            _onFailure($"'{Path}' could not be written ({e.Message}); from here on the log goes to the console only.");
        }
    }

    public void Dispose() => Close();

    private void Close()
    {
        var w = _writer;
        _writer = null;
        // A failed flush leaves data buffered; disposing retries it and throws again, which must not replace the real error.
        try { w?.Dispose(); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
