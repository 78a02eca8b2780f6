using System.Runtime.InteropServices;

namespace BertNer.Runtime;

/// <summary>
/// Gives memory back after the rare batch that needs much more of it. Training keeps freed memory in the
/// process on purpose (TorchRuntime turns glibc's trimming off: re-faulting pages every step halved the
/// speed), so the one batch of long sentences an epoch brings, whose attention maps grow with the
/// square of its length (≈ 200 MB more for MiniLM at 8 × 150 sub-tokens), would otherwise raise the
/// resident size for the rest of the run. With trimming off the resident size only rises when a step
/// needs more than any step before it. Ordinary steps raise it a little at a time as the heap finds its
/// shape; an exceptional step makes it jump. So after each step this reads the resident size (one small
/// /proc read): a rise within the margin (5%, at least 64 MB) just moves the high-water mark; a jump past
/// it hands free pages back (malloc_trim) and leaves the mark where ordinary steps had it, unless live
/// memory really grew and the size stays up. (Trimming whenever the size rose at all was measured: it
/// trimmed after every other step and cost a quarter of the training speed, because it also returns
/// the pages every ordinary step reuses.)
/// </summary>
public sealed class ResidentMemoryGuard(double tolerance = 0.05, long minimumGrowth = 64L << 20)
{
    private long _highWater;

    /// <summary>How many times memory was handed back.</summary>
    public int Trims { get; private set; }

    public void AfterStep()
    {
        long rss = ResidentBytes();
        if (rss <= 0) return; // not Linux
        if (_highWater == 0) { _highWater = rss; return; }
        long margin = Math.Max(minimumGrowth, (long)(_highWater * tolerance));
        if (rss - _highWater <= margin)
        {
            _highWater = Math.Max(_highWater, rss);
            return;
        }
        if (!Trim()) { _highWater = rss; return; } // cannot hand back (not glibc): accept the new level
        Trims++;
        long after = ResidentBytes();
        if (after - _highWater > margin) _highWater = after; // live memory really grew: the new mark, no trimming step after step
    }

    /// <summary>The process's resident set size in bytes, or 0 where /proc is not available.</summary>
    public static long ResidentBytes()
    {
        try
        {
            // statm: size resident shared ... in pages
            var fields = File.ReadAllText("/proc/self/statm").Split(' ');
            return long.Parse(fields[1]) * Environment.SystemPageSize;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return 0;
        }
    }

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);

    /// <summary>Asks glibc to return the process's free heap pages to the system; false where that is not possible (not Linux/glibc).</summary>
    public static bool Trim()
    {
        if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux)) return false;
        try { MallocTrim(0); return true; }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { return false; } // not glibc
    }
}
