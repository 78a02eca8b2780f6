using static TorchSharp.torch;

namespace BertNer.Testing;

/// <summary>
/// Fault injection for the reliability tests: a kill in the middle of a checkpoint write, a full disk, a weight that
/// turns NaN. Every hook is null (off) unless a test, or the fault runner those tests start, sets it; nothing in the
/// engine or the cmdlets does. Internal, so only the test assemblies can reach it.
/// </summary>
internal static class FaultHooks
{
    /// <summary>
    /// Called by <see cref="IO.AtomicFile"/> at each step of a write, with the step's name and the target path:
    /// <c>file-data-written</c> (the temporary file holds the data, nothing is renamed yet), <c>folder-built</c> (the
    /// temporary folder is complete, not yet moved into place), <c>folder-moved-aside</c> (the old folder is at
    /// <c>.name.old</c> and the new one not yet in place). A hook may throw (an IOException for a full disk) or never return.
    /// </summary>
    public static Action<string, string>? CheckpointWrite;

    /// <summary>Called by the trainer after each optimizer step with the global step number and the network.</summary>
    public static Action<int, nn.Module>? AfterTrainingStep;
}
