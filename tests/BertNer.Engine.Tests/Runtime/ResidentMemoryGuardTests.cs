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
        StartFromTrimmedHeap();
        var guard = new ResidentMemoryGuard();
        guard.AfterStep(); // the high-water mark of ordinary steps
        long before = ResidentMemoryGuard.ResidentBytes();

        // A "large step": 360 × 0.9 MB of activations (below the mmap threshold, so heap blocks), then
        // freed. Small tensors that stay alive between them (as a step's saved tensors and the optimizer's
        // do) keep the freed blocks from merging into one free top the heap could shrink.
        var pinned = new List<Tensor>();
        var blocks = Enumerable.Range(0, 360).Select(_ => { var b = ones(225_000); pinned.Add(ones(64)); return b; }).ToList();
        long withBlocks = ResidentMemoryGuard.ResidentBytes();
        Assert.True(withBlocks > before + 200_000_000, "the blocks should add about 320 MB (precondition; a thread's heap top, up to 64 MB, may have been resident already)");
        blocks.ForEach(b => b.Dispose());
        long afterFree = ResidentMemoryGuard.ResidentBytes();
        Assert.True(afterFree > withBlocks - 100_000_000, "freed blocks should stay resident while trimming is off (precondition)");

        guard.AfterStep();
        long afterGuard = ResidentMemoryGuard.ResidentBytes();
        pinned.ForEach(t => t.Dispose());
        Assert.Equal(1, guard.Trims);
        Assert.True(afterGuard < afterFree - 200_000_000,
            $"the guard should hand back most of the 320 MB: {afterFree / 1e6:F0} MB before, {afterGuard / 1e6:F0} MB after");
    }

    [SkippableFact]
    public void A_working_set_that_really_grew_becomes_the_new_reference()
    {
        StartFromTrimmedHeap();
        var guard = new ResidentMemoryGuard();
        guard.AfterStep();
        var kept = Enumerable.Range(0, 360).Select(_ => ones(225_000)).ToList(); // still in use
        try
        {
            guard.AfterStep(); // jumped: one trim, which cannot give the live blocks back
            for (int i = 0; i < 20; i++) guard.AfterStep(); // the grown size is the new mark: no trim step after step
            Assert.Equal(1, guard.Trims);
        }
        finally { kept.ForEach(b => b.Dispose()); }
    }

    [SkippableFact]
    public void A_resident_size_creeping_up_in_rises_below_the_margin_is_handed_back()
    {
        StartFromTrimmedHeap();
        const double tolerance = 0.04;
        const long minimumGrowth = 32L << 20;
        var guard = new ResidentMemoryGuard(tolerance, minimumGrowth, settleSteps: 1, stepsBetweenTrims: 1);
        guard.AfterStep(); // the level of ordinary steps
        long level = ResidentMemoryGuard.ResidentBytes();
        long margin = Math.Max(minimumGrowth, (long)(level * tolerance));
        var pinned = new List<Tensor>();
        try
        {
            // Each "step" a little longer than any before: 20 more 0.9 MB heap blocks (kept apart by small live
            // tensors, as in a real step), freed again, so the heap keeps about 18 MB more free pages each time:
            // every rise is below the margin, their sum is not. A level that followed each rise never trimmed
            // (checked: 0 trims with settleSteps: int.MaxValue).
            for (int step = 1; step <= 6; step++)
            {
                var blocks = Enumerable.Range(0, 20 * step).Select(_ => { var b = ones(225_000); pinned.Add(ones(64)); return b; }).ToList();
                blocks.ForEach(b => b.Dispose());
                guard.AfterStep();
            }
            long end = ResidentMemoryGuard.ResidentBytes();
            Assert.True(guard.Trims >= 1, $"{guard.Trims} trims"); // how many depends on the heap earlier tests left: 1 in one of 13 suite runs, 2 or more otherwise
            // Compared with what a trim leaves now, not with the level: off the main thread glibc cannot hand back
            // the free top of a thread's heap (up to 64 MB), and whether the blocks ended there depends on the heap
            // earlier tests left.
            GlibcAllocator.Trim();
            long floor = ResidentMemoryGuard.ResidentBytes();
            Assert.True(end - floor <= margin,
                $"resident size {(end - floor) / 1e6:F0} MB above what a trim leaves after 6 growing steps; the margin is {margin / 1e6:F0} MB");
        }
        finally { pinned.ForEach(t => t.Dispose()); }
    }

    [SkippableFact]
    public void Memory_is_handed_back_at_most_once_in_steps_between_trims()
    {
        StartFromTrimmedHeap();
        // farTolerance 10: the 320 MB steps below count as past the margin, not far above the level (next test).
        var guard = new ResidentMemoryGuard(stepsBetweenTrims: 5, farTolerance: 10);
        guard.AfterStep(); // the level of ordinary steps
        var pinned = new List<Tensor>();
        try
        {
            LeaveFreePages(guard, pinned);
            Assert.Equal(1, guard.Trims);
            for (int i = 0; i < 4; i++) LeaveFreePages(guard, pinned); // past the margin each time, but within 5 steps of the trim
            Assert.Equal(1, guard.Trims);
            LeaveFreePages(guard, pinned); // the 5th step after it
            Assert.Equal(2, guard.Trims);
        }
        finally { pinned.ForEach(t => t.Dispose()); }
    }

    [SkippableFact]
    public void A_size_far_above_the_level_is_handed_back_soon_after_a_trim_once()
    {
        StartFromTrimmedHeap();
        const double farTolerance = 0.08; // the default; far: 8% of the level, at least 64 MB
        var guard = new ResidentMemoryGuard(stepsBetweenTrims: 50, farTolerance: farTolerance);
        guard.AfterStep(); // the level of ordinary steps
        long level = ResidentMemoryGuard.ResidentBytes();
        Skip.If(level * farTolerance > 250_000_000, $"the process is too large ({level / 1e6:F0} MB) for 320 MB to be far above it");
        var pinned = new List<Tensor>();
        try
        {
            LeaveFreePages(guard, pinned);
            Assert.Equal(1, guard.Trims);
            LeaveFreePages(guard, pinned); // far above the level one step after the trim: handed back at once
            Assert.Equal(2, guard.Trims);
            // Far above again right after that early trim: the steps need the memory, so it becomes the level
            // instead of a trim every step.
            for (int i = 0; i < 5; i++) LeaveFreePages(guard, pinned);
            Assert.Equal(2, guard.Trims);
        }
        finally { pinned.ForEach(t => t.Dispose()); }
    }

    [SkippableFact]
    public void After_validation_the_next_rise_past_the_margin_is_handed_back_at_once()
    {
        StartFromTrimmedHeap();
        var guard = new ResidentMemoryGuard(stepsBetweenTrims: 50, farTolerance: 10); // never "far": only the spacing decides
        guard.AfterStep(); // the level of ordinary steps
        var pinned = new List<Tensor>();
        try
        {
            LeaveFreePages(guard, pinned);
            Assert.Equal(1, guard.Trims);
            LeaveFreePages(guard, pinned); // within the spacing: kept
            Assert.Equal(1, guard.Trims);
            guard.HandBackBetweenEpochs(); // validation ran; its trim is not a step's
            Assert.Equal(1, guard.Trims);
            LeaveFreePages(guard, pinned); // the first steps after it fault in more than before: trimmed now, not 50 steps on
            Assert.Equal(2, guard.Trims);
        }
        finally { pinned.ForEach(t => t.Dispose()); }
    }

    // Every test: Linux only (resident size and malloc_trim), the allocator settings training runs with, and a heap
    // without free pages that the blocks a test allocates could reuse.
    private static void StartFromTrimmedHeap()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "resident size and malloc_trim are read and called on Linux only");
        TorchRuntime.EnsureLoaded();
        GlibcAllocator.Trim();
    }

    // A step that leaves about 320 MB of free heap pages behind, as a fragmented heap does late in a run:
    // right after a trim the next one takes those pages again, the ones after it reuse them. Small tensors
    // that stay alive between the blocks keep them from merging into one free top the heap could shrink.
    private static void LeaveFreePages(ResidentMemoryGuard guard, List<Tensor> pinned)
    {
        var blocks = Enumerable.Range(0, 360).Select(_ => { var b = ones(225_000); pinned.Add(ones(64)); return b; }).ToList();
        blocks.ForEach(b => b.Dispose());
        guard.AfterStep();
    }

    [SkippableFact]
    public void Free_memory_is_handed_back_before_a_batch_far_longer_than_any_before()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "malloc_trim is called on Linux only");
        TorchRuntime.EnsureLoaded();
        var guard = new ResidentMemoryGuard();
        for (int i = 0; i < ResidentMemoryGuard.WarmUpSteps; i++) Step(guard, 8, 20 + i % 40); // the usual: up to 59 sub-tokens
        Assert.Equal(0, guard.Trims); // the first batches only set the scale
        Step(guard, 8, 80); // 1.8× the largest attention size so far: ordinary
        Assert.Equal(0, guard.Trims);
        Step(guard, 8, 164); // 4.2×: the epoch's longest batch
        Assert.Equal(1, guard.Trims);
        Step(guard, 8, 164); // no longer unusual
        Step(guard, 8, 40);
        Assert.Equal(1, guard.Trims);
    }

    [SkippableFact]
    public void The_longest_batch_is_prepared_for_again_in_the_next_epoch()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "malloc_trim is called on Linux only");
        TorchRuntime.EnsureLoaded();
        var guard = new ResidentMemoryGuard();
        for (int epoch = 1; epoch <= 3; epoch++)
        {
            for (int i = 0; i < 200; i++) Step(guard, 8, 20 + i % 40); // the usual: up to 59 sub-tokens
            Step(guard, 8, 164); // the epoch's longest batch, after many ordinary ones
            Assert.Equal(epoch, guard.Trims);
        }
    }

    [SkippableFact]
    public void A_step_far_longer_than_the_usual_runs_with_its_large_blocks_mapped()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "mallopt is called on Linux only");
        TorchRuntime.EnsureLoaded();
        var guard = new ResidentMemoryGuard();
        for (int i = 0; i < ResidentMemoryGuard.WarmUpSteps; i++) Step(guard, 8, 40 + i % 20); // the usual: 40-59 sub-tokens, median 50
        Step(guard, 8, 75); // 2.4× the median attention size, 1.6× the largest: ordinary
        Assert.Equal(0, guard.LongSteps);
        Step(guard, 8, 100); // 4.3× the median, 1.8× the largest (the 75 one): long, not unusual
        Assert.Equal((0, 1), (guard.Trims, guard.LongSteps));
        for (int i = 0; i < ResidentMemoryGuard.WarmUpSteps; i++) Step(guard, 8, 40 + i % 20);
        Step(guard, 8, 164); // the epoch's longest: trimmed before, and mapped
        Assert.Equal((1, 2), (guard.Trims, guard.LongSteps));
    }

    // A step as TrainingStep runs it: inside the scope BeforeStep returns.
    private static void Step(ResidentMemoryGuard guard, long batch, long seq) => guard.BeforeStep(batch, seq).Dispose();
}
