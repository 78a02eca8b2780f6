using BertNer.Runtime;
using static TorchSharp.torch;

namespace BertNer.Tests.Runtime;

/// <summary>
/// Inference serves its large activations from the heap (no fresh page faults every batch); training,
/// outside that scope, must get its large blocks as mappings again so they leave when freed.
/// </summary>
[Collection(nameof(ResidentMemoryGuardTests))] // resident size is process-wide: not beside tests that allocate
public class GlibcAllocatorTests
{
    private static (long With, long AfterFree) AllocateAndFree()
    {
        long before = ResidentMemoryGuard.ResidentBytes();
        var blocks = Enumerable.Range(0, 40).Select(_ => ones(2_000_000)).ToList(); // 40 × 8 MB
        long with = ResidentMemoryGuard.ResidentBytes();
        Assert.True(with > before + 250_000_000, "the blocks should add about 320 MB (precondition)");
        blocks.ForEach(b => b.Dispose());
        return (with, ResidentMemoryGuard.ResidentBytes());
    }

    [SkippableFact]
    public void Large_blocks_stay_in_the_heap_while_inference_runs_and_are_mapped_again_after()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "resident size is read and mallopt called on Linux only");
        Skip.If(Environment.GetEnvironmentVariable("BERTNER_NO_MALLOPT") == "1", "allocator tuning is switched off (BERTNER_NO_MALLOPT=1)");
        TorchRuntime.EnsureLoaded();
        ResidentMemoryGuard.Trim();
        try
        {
            using (GlibcAllocator.HeapOnly())
            using (GlibcAllocator.HeapOnly()) // nested, as evaluation inside a training run
            {
                var (with, afterFree) = AllocateAndFree();
                Assert.True(afterFree > with - 100_000_000,
                    $"inside HeapOnly freed 8 MB blocks should stay for reuse: {with / 1e6:F0} MB with them, {afterFree / 1e6:F0} MB after");
            }
            ResidentMemoryGuard.Trim(); // what the trainer does after validation
            var (with2, afterFree2) = AllocateAndFree();
            Assert.True(afterFree2 < with2 - 250_000_000,
                $"after HeapOnly freed 8 MB blocks should leave without a trim: {with2 / 1e6:F0} MB with them, {afterFree2 / 1e6:F0} MB after");
        }
        finally { ResidentMemoryGuard.Trim(); }
    }
}
