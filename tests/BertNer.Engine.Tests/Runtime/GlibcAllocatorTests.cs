using BertNer.Runtime;
using static TorchSharp.torch;

namespace BertNer.Tests.Runtime;

/// <summary>
/// Training serves blocks up to 32 MB from the heap and maps larger ones on their own, which leave when freed;
/// inference serves every block from the heap while it runs (no fresh page faults every batch).
/// Read from glibc's own count of mapped bytes, not from the resident size: a block freed into the heap
/// may serve a later request of any size, which makes resident-size checks depend on the heap's history.
/// </summary>
[Collection(nameof(ResidentMemoryGuardTests))] // process-wide allocator state: not beside tests that allocate
public class GlibcAllocatorTests
{
    /// <summary>Bytes glibc currently holds in blocks mapped on their own (not in a heap).</summary>
    private static long MappedBytes() => GlibcAllocator.Read().Mapped;

    private static long MappedBytesAddedBy(long bytes)
    {
        long before = MappedBytes();
        using var block = ones(bytes / 4);
        return MappedBytes() - before;
    }

    private const long Large = 40_000_000; // above training's 32 MB mapping threshold, within a thread's 64 MB heap
    private const long Recurring = 8_000_000; // the size of a long batch's attention maps, below the threshold

    /// <summary>
    /// Whether blocks of <paramref name="bytes"/> get mappings of their own once the heap has no free chunk left
    /// that fits: earlier tests leave free chunks of any size, which serve such requests first, so this keeps
    /// allocating until it has taken more than all free heap space. (One request larger than a thread's 64 MB
    /// heap would not do: glibc maps such a block whatever the settings.)
    /// </summary>
    private static bool BlocksGetMapped(long bytes)
    {
        long freeInHeap = GlibcAllocator.Read().FreeInHeaps, before = MappedBytes();
        var held = new List<Tensor>();
        try
        {
            for (long taken = 0; taken <= freeInHeap + bytes; taken += bytes)
            {
                held.Add(ones(bytes / 4));
                if (MappedBytes() - before < bytes) continue;
                held[^1].Dispose(); // a mapping of its own goes back to the system when freed
                Assert.True(MappedBytes() - before < bytes, "a freed mapping should be unmapped at once");
                return true;
            }
            return false;
        }
        finally { held.ForEach(t => t.Dispose()); }
    }

    /// <summary>Skips where the settings under test are not in force or cannot be read; loads libtorch (which applies them).</summary>
    private static void SkipUnlessTrainingSettingsApply()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "mallopt and mallinfo2 are glibc's (Linux)");
        Skip.If(Environment.GetEnvironmentVariable("BERTNER_NO_MALLOPT") == "1", "allocator tuning is switched off (BERTNER_NO_MALLOPT=1)");
        TorchRuntime.EnsureLoaded();
        try { MappedBytes(); }
        catch (EntryPointNotFoundException) { Skip.If(true, "this C library has no mallinfo2 (glibc before 2.33 or not glibc)"); }
    }

    [SkippableFact]
    public void Large_blocks_come_from_the_heap_while_inference_runs_and_are_mapped_again_after()
    {
        SkipUnlessTrainingSettingsApply();
        Assert.True(BlocksGetMapped(Large), "training settings: 40 MB blocks are mapped on their own (precondition)");
        using (GlibcAllocator.HeapOnly())
        {
            using (GlibcAllocator.HeapOnly()) // nested, as evaluation inside a training run
                Assert.True(MappedBytesAddedBy(Large) < 1_000_000, "inside HeapOnly a 40 MB block should come from the heap");
            Assert.True(MappedBytesAddedBy(Large) < 1_000_000, "the inner scope's end must not restore the mappings while the outer one runs");
        }
        Assert.True(BlocksGetMapped(Large), "after HeapOnly 40 MB blocks should be mapped on their own again");
        GlibcAllocator.Trim();
    }

    [SkippableFact]
    public void Blocks_a_training_step_allocates_every_time_come_from_the_heap()
    {
        // With document context a step's attention maps are 8-30 MB; mapped afresh every step, their page faults
        // made training 3-6x slower (docs/performance.md, "History of the speed work").
        SkipUnlessTrainingSettingsApply();
        Assert.False(BlocksGetMapped(Recurring), "training settings: 8 MB blocks should come from the heap");
        GlibcAllocator.Trim();
    }

    [SkippableFact]
    public void A_long_step_maps_its_large_blocks_and_the_next_step_takes_them_from_the_heap_again()
    {
        SkipUnlessTrainingSettingsApply();
        using (GlibcAllocator.MapLargeBlocks())
        {
            using (GlibcAllocator.MapLargeBlocks()) // nested: the inner end must not restore the threshold
                Assert.True(BlocksGetMapped(Recurring), "inside MapLargeBlocks 8 MB blocks should be mapped on their own");
            Assert.True(BlocksGetMapped(Recurring), "the inner scope's end must not restore the heap while the outer one runs");
        }
        Assert.False(BlocksGetMapped(Recurring), "after MapLargeBlocks 8 MB blocks should come from the heap again");
        GlibcAllocator.Trim();
    }
}
