namespace BertNer.Runtime;

/// <summary>
/// Gives memory back around the rare batch that needs much more of it. Training keeps freed heap memory
/// in the process on purpose (GlibcAllocator turns glibc's trimming off: re-faulting pages every step
/// is slow), so free pages stay resident. Two moments are worth handing them back:
/// before a batch far larger than the recent ones (<see cref="BeforeStep"/>: the epoch's longest batch, whose
/// attention maps grow with the square of its length, would otherwise add its own memory on top of the
/// heap's free pages), and after a step that left the resident size past a margin (4%, at least 32 MB)
/// above the level of ordinary steps (<see cref="AfterStep"/>: one small /proc read per step; a trim hands
/// free pages back with malloc_trim). Not whenever the size rises at all: that also returns the pages every
/// ordinary step reuses, and each trim costs the next steps page faults (docs/design.md, "The resident-memory
/// guard"; figures in docs/performance.md). And not more often than every <c>stepsBetweenTrims</c> steps:
/// as a run goes on the heap fragments, steps leave the size past the margin more and more often, and
/// trimming each time cost the later epochs a fifth of their speed (issue #22). Except when the size is far
/// above the level (twice the margin): such a rise, rare, would otherwise stay resident until the next chance
/// and set the run's peak (a full CoNLL epoch sat 230 MB up for its last hundred steps).
/// </summary>
/// <param name="settleSteps">Steps whose resident size sets the level: the first steps' working sets differ.</param>
/// <param name="stepsBetweenTrims">Fewest steps from one <see cref="AfterStep"/> trim to the next, unless the size is far above the level.</param>
/// <param name="farTolerance">How far above the level (a share of it, at least twice <paramref name="minimumGrowth"/>) a step must leave the
/// size to be trimmed however recently the last trim was.</param>
public sealed class ResidentMemoryGuard(double tolerance = 0.04, long minimumGrowth = 32L << 20, int settleSteps = ResidentMemoryGuard.SettleSteps,
    int stepsBetweenTrims = ResidentMemoryGuard.StepsBetweenTrims, double farTolerance = 0.08)
{
    private long _highWater;
    private int _afterSteps;
    private int _sinceTrim = int.MaxValue; // AfterStep calls since its last trim
    private bool _lastTrimEarly; // that trim came within stepsBetweenTrims of the one before, for a size far above the level
    private readonly long[] _recentAttention = new long[WarmUpSteps]; // ring: the last WarmUpSteps batches' sizes
    private int _steps;

    /// <summary>Steps before <see cref="BeforeStep"/> compares batch shapes: the first batches set the scale.</summary>
    public const int WarmUpSteps = 50;

    /// <summary>Steps whose resident size sets the level <see cref="AfterStep"/> holds: enough batches that
    /// the longer ones among them have set the heap's working set.</summary>
    public const int SettleSteps = 200;

    /// <summary>
    /// Fewest steps between two trims after a step. A trim hands back the free pages the next steps take
    /// again: on the 2-core machine about a second of page faults and slower steps, some 6 steps' time, so
    /// one trim per 200 steps costs at most 3% (figures in docs/performance.md, issue #22).
    /// </summary>
    public const int StepsBetweenTrims = 200;

    /// <summary>How many times memory was handed back.</summary>
    public int Trims { get; private set; }

    /// <summary>
    /// Before a batch whose attention maps (batch × seq²) are more than twice the largest of the last
    /// <see cref="WarmUpSteps"/> batches, hands free heap pages back first: without this the epoch's longest
    /// batch (8 × 164 sub-tokens for MiniLM on CoNLL-2003, about 5× the usual attention size) stacks its own
    /// memory on top of the heap's free pages and sets the run's peak. Recent batches, not all so far: the
    /// same batch comes back every epoch, and a comparison with the whole run would trim in the first epoch only.
    /// Returns a scope the step runs in: for that batch, and for any batch more than four times the median of
    /// the recent ones, large blocks are mapped on their own (<see cref="GlibcAllocator.MapLargeBlocks"/>), so the
    /// long step's activations leave the heap when freed instead of staying resident in it (issue #22: peaks of
    /// 1,061–1,267 MiB without this, 1,003–1,008 with it; docs/performance.md). A few steps an epoch.
    /// </summary>
    public IDisposable BeforeStep(long batch, long seq)
    {
        long size = batch * seq * seq;
        bool warm = _steps >= WarmUpSteps;
        bool unusual = warm && size > 2 * _recentAttention.Max();
        bool longer = warm && size > 4 * Median(_recentAttention);
        _recentAttention[_steps++ % _recentAttention.Length] = size;
        if (unusual && GlibcAllocator.Trim()) Trims++;
        if (!unusual && !longer) return NoScope;
        LongSteps++;
        return GlibcAllocator.MapLargeBlocks();
    }

    /// <summary>Steps <see cref="BeforeStep"/> ran with large blocks mapped on their own.</summary>
    public int LongSteps { get; private set; }

    private static readonly IDisposable NoScope = new NothingToEnd();
    private sealed class NothingToEnd : IDisposable { public void Dispose() { } }

    private static long Median(long[] values)
    {
        var sorted = (long[])values.Clone();
        Array.Sort(sorted);
        return sorted[sorted.Length / 2];
    }

    /// <summary>
    /// After a step: past the margin above the level ordinary steps set, hands free pages back, and keeps the
    /// level unless live memory really grew and the size stays up. Within the first <c>settleSteps</c> a rise
    /// inside the margin raises the level; after them it does not, so the size cannot creep up in steps below
    /// the margin as longer batches leave pages behind. Each trim costs page faults while the next steps
    /// take the pages back, so the level comes from 200 steps, not fewer: a level from the first 50 steps
    /// trims several times as often for a noticeably slower run (figures in docs/performance.md).
    /// </summary>
    public void AfterStep()
    {
        long rss = ResidentBytes();
        if (rss <= 0) return; // not Linux
        if (_highWater == 0) { _highWater = rss; _afterSteps = 1; return; }
        if (_sinceTrim < int.MaxValue) _sinceTrim++;
        long margin = Math.Max(minimumGrowth, (long)(_highWater * tolerance));
        if (rss - _highWater <= margin)
        {
            if (_afterSteps++ < settleSteps) _highWater = Math.Max(_highWater, rss);
            return;
        }
        bool early = _sinceTrim < stepsBetweenTrims;
        if (early)
        {
            if (rss - _highWater <= Math.Max(2 * minimumGrowth, (long)(_highWater * farTolerance))) return; // trimmed recently: the pages stay until the next chance
            // Far above soon after an early trim too: these steps need the memory, so it is the new level (one early trim per spacing, no thrashing).
            if (_lastTrimEarly) { _highWater = rss; return; }
        }
        if (!GlibcAllocator.Trim()) { _highWater = rss; return; } // cannot hand back (not glibc): accept the new level
        Trims++;
        _sinceTrim = 0;
        _lastTrimEarly = early;
        long after = ResidentBytes();
        if (after - _highWater > margin) _highWater = after; // live memory really grew: the new mark, no trimming step after step
    }

    /// <summary>
    /// Between epochs, before validation (its batches would stack their memory on the free pages the steps left)
    /// and after it (its activations are freed and training does not reuse them): hands the free pages back,
    /// keeping the level of ordinary steps. The steps after it fault their pages in
    /// afresh and, in a heap that validation rearranged, can land in more of them than before; a rise past
    /// the margin right after this counts as an ordinary one, trimmed at once, not as one soon after a trim
    /// (docs/design.md 7.4). Not counted in <see cref="Trims"/>, which counts trims during steps.
    /// </summary>
    public void HandBackBetweenEpochs()
    {
        GlibcAllocator.Trim();
        _sinceTrim = int.MaxValue;
        _lastTrimEarly = false;
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
}
