using System.Runtime.InteropServices;
using BertNer.Runtime;
using static TorchSharp.torch;

namespace BertNer.Tests.Runtime;

/// <summary>
/// Inference serves its large activations from the heap (no fresh page faults every batch); training,
/// outside that scope, must get its large blocks as their own mappings again, which leave when freed.
/// Read from glibc's own count of mapped bytes, not from the resident size: a block freed into the heap
/// may serve a later request of any size, which makes resident-size checks depend on the heap's history.
/// </summary>
[Collection(nameof(ResidentMemoryGuardTests))] // process-wide allocator state: not beside tests that allocate
public class GlibcAllocatorTests
{
    [StructLayout(LayoutKind.Sequential)]
    private struct MallInfo2
    {
        public nuint Arena, OrdBlks, SmBlks, HBlks, HBlkHd, UsmBlks, FsmBlks, UordBlks, FordBlks, KeepCost;
    }

    [DllImport("libc", EntryPoint = "mallinfo2")]
    private static extern MallInfo2 MallInfo();

    /// <summary>Bytes glibc currently holds in blocks mapped on their own (not in a heap).</summary>
    private static long MappedBytes() => (long)MallInfo().HBlkHd;

    private static long MappedBytesAddedBy(long bytes)
    {
        long before = MappedBytes();
        using var block = ones(bytes / 4);
        return MappedBytes() - before;
    }

    /// <summary>
    /// Whether 8 MB blocks get mappings of their own once the heap has no free chunk left that fits: earlier
    /// tests leave free chunks of any size, which serve such requests first, so this keeps allocating until
    /// it has taken more than all free heap space. (One request larger than that would not do: glibc maps a
    /// block too large for a thread's 64 MB heap whatever the settings.)
    /// </summary>
    private static bool EightMegabyteBlocksGetMapped()
    {
        long freeInHeap = (long)MallInfo().FordBlks, before = MappedBytes();
        var held = new List<Tensor>();
        try
        {
            for (long taken = 0; taken <= freeInHeap + (8L << 20); taken += 8_000_000)
            {
                held.Add(ones(2_000_000));
                if (MappedBytes() - before < 8_000_000) continue;
                held[^1].Dispose(); // a mapping of its own goes back to the system when freed
                Assert.True(MappedBytes() - before < 8_000_000, "a freed 8 MB mapping should be unmapped at once");
                return true;
            }
            return false;
        }
        finally { held.ForEach(t => t.Dispose()); }
    }

    [SkippableFact]
    public void Large_blocks_come_from_the_heap_while_inference_runs_and_are_mapped_again_after()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "mallopt and mallinfo2 are glibc's (Linux)");
        Skip.If(Environment.GetEnvironmentVariable("BERTNER_NO_MALLOPT") == "1", "allocator tuning is switched off (BERTNER_NO_MALLOPT=1)");
        TorchRuntime.EnsureLoaded();
        try { MappedBytes(); }
        catch (EntryPointNotFoundException) { Skip.If(true, "this C library has no mallinfo2 (glibc before 2.33 or not glibc)"); }
        Assert.True(EightMegabyteBlocksGetMapped(), "training settings: 8 MB blocks are mapped on their own (precondition)");
        using (GlibcAllocator.HeapOnly())
        {
            using (GlibcAllocator.HeapOnly()) // nested, as evaluation inside a training run
                Assert.True(MappedBytesAddedBy(8_000_000) < 1_000_000, "inside HeapOnly an 8 MB block should come from the heap");
            Assert.True(MappedBytesAddedBy(8_000_000) < 1_000_000, "the inner scope's end must not restore the mappings while the outer one runs");
        }
        Assert.True(EightMegabyteBlocksGetMapped(), "after HeapOnly 8 MB blocks should be mapped on their own again");
        GlibcAllocator.Trim();
    }
}
