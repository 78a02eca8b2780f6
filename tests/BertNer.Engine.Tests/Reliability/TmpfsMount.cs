using System.Diagnostics;

namespace BertNer.Tests.Reliability;

/// <summary>
/// A small tmpfs mounted on a fresh folder: a disk that really fills up, or a folder that really is read-only even
/// for root (chmod does not stop root). Needs root and a kernel that lets this process mount; tests skip otherwise.
/// </summary>
public sealed class TmpfsMount : IDisposable
{
    public string Path { get; }

    private TmpfsMount(string path) => Path = path;

    /// <summary>Mounts a tmpfs of <paramref name="bytes"/> (read-only when asked), or returns null and why not.</summary>
    public static TmpfsMount? TryMount(long bytes, bool readOnly, out string? whyNot)
    {
        whyNot = null;
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
        {
            whyNot = "mounting a tmpfs needs root on Linux";
            return null;
        }
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "bertner-tmpfs-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        var (code, err) = Run("mount", "-t", "tmpfs", "-o", $"size={bytes}{(readOnly ? ",ro" : "")}", "tmpfs", path);
        if (code != 0)
        {
            Directory.Delete(path);
            whyNot = $"mount -t tmpfs failed ({err.Trim()})";
            return null;
        }
        return new TmpfsMount(path);
    }

    /// <summary>Grows the file system (tmpfs can be resized while mounted), as a user freeing space would.</summary>
    public void Resize(long bytes)
    {
        var (code, err) = Run("mount", "-o", $"remount,size={bytes}", Path);
        if (code != 0) throw new InvalidOperationException($"remount failed: {err}");
    }

    public void Dispose()
    {
        Run("umount", "-l", Path);
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }

    private static (int Code, string Error) Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var p = Process.Start(start)!;
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, err);
    }
}
