using BertNer.Testing;

namespace BertNer.IO;

/// <summary>Files and folders are written whole or not at all: write a temporary sibling, then rename.</summary>
public static class AtomicFile
{
    public static void Write(string path, Action<FileStream> write)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        var tmp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                write(fs);
                FaultHooks.CheckpointWrite?.Invoke("file-data-written", full);
                fs.Flush(flushToDisk: true);
            }
            File.Move(tmp, full, overwrite: true);
        }
        catch
        {
            TryDelete(tmp);
            throw;
        }
    }

    public static void WriteAllText(string path, string text) =>
        Write(path, fs => { using var w = new StreamWriter(fs, new System.Text.UTF8Encoding(false), leaveOpen: true); w.Write(text); });

    /// <summary>
    /// Builds a folder under a temporary name beside <paramref name="path"/> and renames it into place,
    /// so a reader never sees a half-written folder. An existing folder is replaced.
    /// </summary>
    public static void WriteFolder(string path, Action<string> build)
    {
        var full = Path.GetFullPath(path).TrimEnd(Path.DirectorySeparatorChar);
        var parent = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(parent);
        var tmp = Path.Combine(parent, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(tmp);
        try
        {
            build(tmp);
            ReplaceFolder(tmp, full);
        }
        catch
        {
            if (Directory.Exists(tmp)) Directory.Delete(tmp, recursive: true);
            throw;
        }
    }

    /// <summary>
    /// Puts a finished folder <paramref name="staged"/> at <paramref name="path"/>, replacing what is there.
    /// Directories cannot be renamed over each other, so the old one is first moved aside to
    /// ".name.old"; <see cref="RecoverFolder"/> puts it back if a crash hits between the two renames.
    /// </summary>
    public static void ReplaceFolder(string staged, string path)
    {
        var full = Path.GetFullPath(path).TrimEnd(Path.DirectorySeparatorChar);
        FaultHooks.CheckpointWrite?.Invoke("folder-built", full);
        // A ".name.old" left by an earlier crash may be the only copy: put it back before replacing, never delete it blind.
        RecoverFolder(full);
        var old = OldName(full);
        if (Directory.Exists(full)) Directory.Move(full, old);
        FaultHooks.CheckpointWrite?.Invoke("folder-moved-aside", full);
        Directory.Move(staged, full);
        if (Directory.Exists(old)) Directory.Delete(old, true);
    }

    /// <summary>After a crash inside <see cref="ReplaceFolder"/>: restores the previous folder if the new one never arrived.</summary>
    public static void RecoverFolder(string path)
    {
        var full = Path.GetFullPath(path).TrimEnd(Path.DirectorySeparatorChar);
        var old = OldName(full);
        if (!Directory.Exists(old)) return;
        if (Directory.Exists(full)) Directory.Delete(old, true);
        else Directory.Move(old, full);
    }

    private static string OldName(string full) => Path.Combine(Path.GetDirectoryName(full)!, "." + Path.GetFileName(full) + ".old");

    private static void TryDelete(string p)
    {
        try { if (File.Exists(p)) File.Delete(p); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
