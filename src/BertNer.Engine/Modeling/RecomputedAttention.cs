using BertNer.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace BertNer.Modeling;

/// <summary>
/// Training-time attention with dropout that keeps only a one-byte dropout mask per attention weight for
/// the backward pass and recomputes the rest there. libtorch's fused attention kernel cannot do dropout, so
/// training falls back to its math path, whose autograd graph keeps three float32 [batch, heads, seq, seq]
/// maps per layer (softmax output, dropout noise, dropped weights) until the backward pass: for MiniLM at
/// 8 × 164 sub-tokens that is 190 MB, the largest single cost of the epoch's longest batch. Here the
/// forward runs the math path's exact ops without a graph and keeps q, k, v and the mask; the backward
/// replays them with autograd and the kept mask in place of a fresh draw, so outputs and gradients are
/// bit-identical to scaled_dot_product_attention's (tests/…/RecomputedAttentionTests compares them) for
/// the cost of one more QKᵀ and softmax per layer, small next to the dense layers.
/// </summary>
public sealed class RecomputedAttention : autograd.SingleTensorFunction<RecomputedAttention>
{
    public override string Name => nameof(RecomputedAttention);

    /// <summary>softmax(q·kᵀ/√d + mask) with dropout, times v; q, k, v [batch, heads, seq, headDim].</summary>
    /// <param name="keyMask">[batch, 1, 1, seq] boolean, true where a key may be attended; null for none.</param>
    public static Tensor Apply(Tensor q, Tensor k, Tensor v, Tensor? keyMask, double dropout) =>
        apply(q, k, v, keyMask ?? empty(0, dtype: ScalarType.Bool), dropout);

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var (q, k, v, keyMask, p) = ((Tensor)vars[0], (Tensor)vars[1], (Tensor)vars[2], (Tensor)vars[3], (double)vars[4]);
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        using Scalar keepProbability = 1 - p; // a Scalar that outlives the calls (KeptScalars)
        var weights = Weights(q, k, keyMask);
        // The draw scaled_dot_product_attention's dropout makes: the same generator calls on the same shape.
        var noise = empty_like(weights).bernoulli_(1 - p);
        // Saved tensors are captured after this method returns, so the mask must outlive this scope; the
        // caller's scope releases the handle, the autograd graph keeps the memory until backward.
        var keep = noise.to(ScalarType.Bool).MoveToOuterDisposeScope();
        ctx.save_for_backward([q, k, v, keyMask, keep]);
        ctx.save_data("p", p);
        return (weights * noise.div_(keepProbability)).matmul(v).MoveToOuterDisposeScope();
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor gradOutput)
    {
        using var scope = NewDisposeScope(); // first: the saved tensors' wrappers are made here too
        var saved = ctx.get_saved_variables();
        double p = (double)ctx.get_data("p");
        using Scalar keepProbability = 1 - p;
        using var __ = enable_grad();
        var q = saved[0].detach().requires_grad_();
        var k = saved[1].detach().requires_grad_();
        var v = saved[2].detach().requires_grad_();
        // Bernoulli's 1.0/0.0 divided by (1 - p) is exactly the noise the forward multiplied by.
        var noise = saved[4].to(ScalarType.Float32).div_(keepProbability);
        var output = (Weights(q, k, saved[3]) * noise).matmul(v);
        var grads = autograd.grad([output], [q, k, v], [gradOutput]);
        GC.KeepAlive(gradOutput); // TorchSharp's wrapper; with no scope outside, only this reference holds it
        var result = new List<Tensor> { grads[0], grads[1], grads[2], null!, null! };
        foreach (var g in grads) g.MoveToOuterDisposeScope();
        // TorchSharp hands libtorch only the gradients' handles and copies them after this method returns;
        // without an outer scope nothing would reference the wrappers then, and a finalizer could free them
        // first. The context lives as long as the graph node, so it keeps them reachable.
        ctx.save_data("gradients", result);
        return result;
    }

    /// <summary>The attention weights exactly as libtorch's math path computes them: q and k each scaled by
    /// d^-¼, the boolean mask turned into 0/−∞ and added in place, softmax.</summary>
    private static Tensor Weights(Tensor q, Tensor k, Tensor keyMask)
    {
        using Scalar s = Math.Sqrt(1.0 / Math.Sqrt(q.shape[^1]));
        var scores = q.mul(s).matmul(k.transpose(-2, -1).mul(s));
        if (keyMask.numel() > 0) scores.add_(where(keyMask.logical_not(), double.NegativeInfinity, 0.0), KeptScalars.One);
        return scores.softmax(-1);
    }
}
