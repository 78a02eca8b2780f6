using System.Runtime.InteropServices;

namespace BertNer.Runtime;

/// <summary>
/// The process-wide glibc malloc settings libtorch's CPU tensors live with, and its trimming call. Training and inference want
/// different ones, so inference switches for its own duration (<see cref="HeapOnly"/>), and so does a training step
/// far longer than the usual (<see cref="MapLargeBlocks"/>).
/// Does nothing off glibc (Windows, macOS, musl) or with BERTNER_NO_MALLOPT=1.
/// </summary>
public static class GlibcAllocator
{
    // glibc's defaults cost twice over in training (docs/design.md, "glibc allocator settings"): its mapping
    // threshold adapts only after a mapped block was freed, so the first blocks of every new size come as fresh
    // mmaps whose pages all fault on first touch, and it trims the heap top by itself. So every block up to
    // 32 MB (the most glibc allows) comes from the heap: a step's activations recur every step, and faulting
    // them in again each time costs more the longer the sequences (with document context, sequences of
    // ~200 sub-tokens ran 3-6x slower with a 1 MB threshold). Only larger blocks get their own mapping, and
    // the heap is never trimmed by glibc (ResidentMemoryGuard decides when). Measurements: docs/performance.md,
    // "History of the speed work".
    private const int M_TRIM_THRESHOLD = -1;
    private const int M_MMAP_THRESHOLD = -3;
    private const int M_MMAP_MAX = -4;
    private const int MmapThresholdBytes = 32 << 20;
    private const int LongStepMmapThresholdBytes = 1 << 20;
    private const int GlibcDefaultMmapMax = 65536;

    private static readonly object Gate = new();
    private static bool _tuned;
    private static readonly NestedSetting HeapOnlySetting = new(M_MMAP_MAX, 0, GlibcDefaultMmapMax);
    private static readonly NestedSetting LongStepSetting = new(M_MMAP_THRESHOLD, LongStepMmapThresholdBytes, MmapThresholdBytes);

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int MallOpt(int param, int value);

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);

    /// <summary>glibc's own byte counts (mallinfo2, glibc 2.33+), summed over all arenas.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct Counts
    {
        public nuint Arena, OrdBlks, SmBlks, HBlks, HBlkHd, UsmBlks, FsmBlks, UordBlks, FordBlks, KeepCost;

        /// <summary>Bytes in use in the heaps, without blocks mapped on their own.</summary>
        public readonly long InUse => (long)UordBlks;
        /// <summary>Bytes free inside the heaps.</summary>
        public readonly long FreeInHeaps => (long)FordBlks;
        /// <summary>Bytes in blocks mapped on their own (not in a heap).</summary>
        public readonly long Mapped => (long)HBlkHd;
    }

    /// <summary>For the tests and their child processes: glibc's counts. Throws EntryPointNotFoundException before glibc 2.33.</summary>
    [DllImport("libc", EntryPoint = "mallinfo2")]
    internal static extern Counts Read();

    /// <summary>Applies the training settings once per process (TorchRuntime does, before libtorch allocates).</summary>
    public static void Tune()
    {
        lock (Gate)
        {
            if (_tuned) return;
            _tuned = TrySet(M_MMAP_THRESHOLD, MmapThresholdBytes) && TrySet(M_TRIM_THRESHOLD, int.MaxValue);
        }
    }

    /// <summary>
    /// Until disposed, serves every block from the heap, however large. Inference allocates the same few
    /// large activations batch after batch and keeps none of them, so any block above training's mapping
    /// threshold would fault in fresh pages every batch (docs/performance.md).
    /// The heap keeps those pages afterwards; a caller that goes back to training hands them back with
    /// <see cref="Trim"/>. The freed chunks stay in the heap's address space, though,
    /// and serve later large requests before any new mapping, which then stay resident until the guard's
    /// next trim. Scopes nest; the outermost one restores the mappings. Process-wide: a training run in another
    /// runspace of this process also allocates from the heap meanwhile.
    /// </summary>
    public static IDisposable HeapOnly() => HeapOnlySetting.Enter();

    /// <summary>
    /// Until disposed, blocks of 1 MB and more that no free heap chunk can hold get mappings of their own, as
    /// before issue 20, instead of growing the heap. For the rare training step far longer than the usual
    /// (ResidentMemoryGuard decides which): its activations are several times an ordinary step's, and from
    /// the heap they left that much more of it behind — free but resident, and in a fragmented heap not
    /// reused — which set a run's peak (docs/design.md 7.3). Mapped, they go back to the system as they are
    /// freed, whatever the threshold is by then. Costs that one step page faults. Scopes nest.
    /// </summary>
    public static IDisposable MapLargeBlocks() => LongStepSetting.Enter();

    /// <summary>Asks glibc to return the process's free heap pages to the system (malloc_trim); false where
    /// that is not possible (not Linux/glibc).</summary>
    public static bool Trim() => CallGlibc(() => MallocTrim(0)) is not null;

    private static bool TrySet(int param, int value) =>
        Environment.GetEnvironmentVariable("BERTNER_NO_MALLOPT") != "1" && CallGlibc(() => MallOpt(param, value)) == 1;

    /// <summary>The glibc function's result, or null off Linux or without glibc (e.g. musl).</summary>
    internal static int? CallGlibc(Func<int> call)
    {
        if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux)) return null;
        try { return call(); }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { return null; }
    }

    // One mallopt parameter that scopes change while training's settings apply: the first scope sets it, the last one
    // to end restores training's value, so scopes nest. Nothing is changed while the settings do not apply.
    private sealed class NestedSetting(int param, int inScope, int outside)
    {
        private int _depth;

        public IDisposable Enter()
        {
            lock (Gate)
            {
                if (!_tuned) return new Scope(null);
                if (_depth++ == 0) TrySet(param, inScope);
                return new Scope(Leave);
            }
        }

        private void Leave()
        {
            lock (Gate)
            {
                if (--_depth == 0) TrySet(param, outside);
            }
        }
    }

    // Ends a scope once, however often it is disposed; null when the scope changed nothing.
    private sealed class Scope(Action? end) : IDisposable
    {
        private int _disposed;
        public void Dispose()
        {
            if (end != null && Interlocked.Exchange(ref _disposed, 1) == 0) end();
        }
    }
}
