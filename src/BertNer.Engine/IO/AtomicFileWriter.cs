namespace BertNer.IO;

/// <summary>
/// The streaming form of <see cref="AtomicFile.Write"/>, for output that arrives piece by piece (a pipeline):
/// write to <see cref="Stream"/>, then <see cref="Commit"/> renames the temporary sibling into place.
/// Disposed without a commit (an error, Ctrl+C), it deletes the temporary file and the target is untouched.
/// </summary>
public sealed class AtomicFileWriter : IDisposable
{
    private readonly string _temp;
    private readonly bool _overwrite;
    private FileStream? _stream;

    public AtomicFileWriter(string path, bool overwrite)
    {
        Path = System.IO.Path.GetFullPath(path);
        _overwrite = overwrite;
        var dir = System.IO.Path.GetDirectoryName(Path)!;
        Directory.CreateDirectory(dir);
        _temp = System.IO.Path.Combine(dir, $".{System.IO.Path.GetFileName(Path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        _stream = new FileStream(_temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
    }

    /// <summary>The full path of the file being written.</summary>
    public string Path { get; }

    public Stream Stream => _stream ?? throw new ObjectDisposedException(nameof(AtomicFileWriter));

    /// <summary>Flushes to disk and moves the file into place; without overwrite an existing target is an IOException.</summary>
    public void Commit()
    {
        var stream = _stream ?? throw new ObjectDisposedException(nameof(AtomicFileWriter));
        stream.Flush(flushToDisk: true);
        stream.Dispose();
        _stream = null;
        try
        {
            File.Move(_temp, Path, _overwrite);
        }
        catch
        {
            TryDelete(_temp);
            throw;
        }
    }

    public void Dispose()
    {
        if (_stream is null) return;
        _stream.Dispose();
        _stream = null;
        TryDelete(_temp);
    }

    private static void TryDelete(string p)
    {
        try { if (File.Exists(p)) File.Delete(p); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
