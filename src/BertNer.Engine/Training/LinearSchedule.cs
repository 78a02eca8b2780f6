namespace BertNer.Training;

/// <summary>
/// HF's get_linear_schedule_with_warmup: rises linearly to the peak over the warm-up steps, then falls
/// linearly to 0 at the last step. (TorchSharp's LinearLR is a different schedule.)
/// </summary>
public sealed class LinearSchedule(double peak, int totalSteps, int warmupSteps)
{
    /// <summary>Learning rate for the optimizer step that follows <paramref name="stepsDone"/> completed steps.</summary>
    public double At(int stepsDone)
    {
        if (stepsDone < warmupSteps) return peak * stepsDone / Math.Max(1, warmupSteps);
        return peak * Math.Max(0.0, (double)(totalSteps - stepsDone) / Math.Max(1, totalSteps - warmupSteps));
    }
}
