using BertNer.Features;
using BertNer.Modeling;
using BertNer.Runtime;
using static TorchSharp.torch;

namespace BertNer.Training;

/// <summary>
/// One optimizer step of the recipe: forward, loss, backward, clip, AdamW at the scheduled rate, zero
/// grads. Shared by the trainer and the benchmark so both measure the same thing. Returns the loss
/// tensor without reading it back (no host synchronisation).
/// </summary>
public sealed class TrainingStep(BertForTokenClassification net, InPlaceAdamW optimizer, LinearSchedule schedule, double maxGradNorm)
{
    /// <param name="stepsDone">Completed optimizer steps before this one (drives the schedule).</param>
    public Tensor Run(Batch batch, int stepsDone)
    {
        Tensor result;
        using (Memory.BeforeStep(batch.InputIds.shape[0], batch.InputIds.shape[1])) // maps a long step's large blocks
        using (var scope = NewDisposeScope())
        {
            var logits = net.forward(batch.InputIds, batch.AttentionMask, null);
            var loss = BertForTokenClassification.Loss(logits, batch.Labels);
            loss.backward();
            // Clipping becomes a scale the fused update applies while it reads each gradient (one pass fewer);
            // reading it back is free on the CPU and one small copy per step on a GPU.
            float clip = maxGradNorm > 0 ? optimizer.ClipScale(maxGradNorm) : 1f;
            optimizer.Update(schedule.At(stepsDone), clip, zeroGradients: true);
            result = loss.detach().MoveToOuterDisposeScope();
        }
        Memory.AfterStep(); // after the scope: the step's activations are freed by now
        return result;
    }

    /// <summary>Hands memory back around unusually large batches (see <see cref="ResidentMemoryGuard"/>).</summary>
    public ResidentMemoryGuard Memory { get; } = new();
}
