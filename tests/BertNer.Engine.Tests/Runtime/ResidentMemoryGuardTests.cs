using BertNer.Runtime;
using static TorchSharp.torch;

namespace BertNer.Tests.Runtime;

// Resident size is process-wide: run alone, not beside tests that allocate.
[CollectionDefinition(nameof(ResidentMemoryGuardTests), DisableParallelization = true)]
public class ResidentMemoryGuardCollection;

/// <summary>
/// Training keeps freed memory (glibc trimming is off for speed); the guard must give back what one
/// unusually large step left behind, and must not keep trimming when the working set really grew.
/// </summary>
[Collection(nameof(ResidentMemoryGuardTests))]
public class ResidentMemoryGuardTests
{
    [SkippableFact]
    public void Memory_left_behind_by_a_large_step_is_handed_back()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "resident size and malloc_trim are read and called on Linux only");
        TorchRuntime.EnsureLoaded(); // the allocator settings training runs with
        ResidentMemoryGuard.Trim(); // start from a heap without free pages that the blocks below could reuse
        var guard = new ResidentMemoryGuard();
        guard.AfterStep(); // the high-water mark of ordinary steps
        long before = ResidentMemoryGuard.ResidentBytes();

        // A "large step": 40 × 8 MB of activations (heap-sized blocks, as attention maps are), then freed.
        var blocks = Enumerable.Range(0, 40).Select(_ => ones(2_000_000)).ToList();
        long withBlocks = ResidentMemoryGuard.ResidentBytes();
        Assert.True(withBlocks > before + 250_000_000, "the blocks should add about 320 MB (precondition)");
        blocks.ForEach(b => b.Dispose());
        long afterFree = ResidentMemoryGuard.ResidentBytes();
        Assert.True(afterFree > withBlocks - 100_000_000, "freed blocks should stay resident while trimming is off (precondition)");

        guard.AfterStep();
        long afterGuard = ResidentMemoryGuard.ResidentBytes();
        Assert.Equal(1, guard.Trims);
        Assert.True(afterGuard < afterFree - 200_000_000,
            $"the guard should hand back most of the 320 MB: {afterFree / 1e6:F0} MB before, {afterGuard / 1e6:F0} MB after");
    }

    [SkippableFact]
    public void A_working_set_that_really_grew_becomes_the_new_reference()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "resident size and malloc_trim are read and called on Linux only");
        TorchRuntime.EnsureLoaded();
        ResidentMemoryGuard.Trim();
        var guard = new ResidentMemoryGuard();
        guard.AfterStep();
        var kept = Enumerable.Range(0, 40).Select(_ => ones(2_000_000)).ToList(); // still in use
        try
        {
            guard.AfterStep(); // jumped: one trim, which cannot give the live blocks back
            for (int i = 0; i < 20; i++) guard.AfterStep(); // the grown size is the new mark: no trim step after step
            Assert.Equal(1, guard.Trims);
        }
        finally { kept.ForEach(b => b.Dispose()); }
    }
}
