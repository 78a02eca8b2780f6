using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace BertNer.Training;

/// <summary>
/// The AdamW update of one float32 parameter in a single pass over memory. Done with libtorch ops it is
/// ten passes (decay, two for each moment, four for the denominator, the update) plus one for clipping
/// and one for zeroing the gradient; on MiniLM (23M parameters, half of them the word embeddings, which
/// AdamW updates every step) those passes cost as much as the forward pass. The arithmetic is torch's
/// _single_tensor_adamw (torch 1.13, as HF ran it), element by element in the same order, in float32 and
/// with fused multiply-adds where libtorch's kernels use them (add_ with alpha, addcmul_), so the moments
/// come out bit-identical to the op-by-op version; the parameter can differ in the last bit because
/// libtorch's vectorised sqrt is not correctly rounded (tested: FusedAdamWTests).
/// </summary>
internal static unsafe class AdamWKernel
{
    /// <summary>The per-step scalars, already rounded to float32 as libtorch rounds them for a float tensor.</summary>
    internal readonly record struct Coefficients(
        float GradScale, float Decay, float Beta1, float OneMinusBeta1, float Beta2, float OneMinusBeta2,
        float BiasCorrection2Sqrt, float Eps, float NegStepSize, bool ZeroGrad);

    /// <summary>Updates <paramref name="n"/> elements: p (parameter), g (gradient), m, v (moments).</summary>
    public static void Run(float* p, float* g, float* m, float* v, long n, in Coefficients c)
    {
        long i = 0;
        if (Fma.IsSupported)
        {
            var scale = Vector256.Create(c.GradScale);
            var decay = Vector256.Create(c.Decay);
            var b1 = Vector256.Create(c.Beta1);
            var ob1 = Vector256.Create(c.OneMinusBeta1);
            var b2 = Vector256.Create(c.Beta2);
            var ob2 = Vector256.Create(c.OneMinusBeta2);
            var bc2 = Vector256.Create(c.BiasCorrection2Sqrt);
            var eps = Vector256.Create(c.Eps);
            var step = Vector256.Create(c.NegStepSize);
            for (; i + 8 <= n; i += 8)
            {
                var gi = Vector256.Load(g + i) * scale;                 // clip_grad_norm_: grad.mul_(coef)
                var pi = Vector256.Load(p + i) * decay;                 // param.mul_(1 - lr * wd)
                var mi = Fma.MultiplyAdd(gi, ob1, Vector256.Load(m + i) * b1);        // exp_avg.mul_(b1).add_(grad, alpha=1-b1)
                var vi = Fma.MultiplyAdd(ob2 * gi, gi, Vector256.Load(v + i) * b2);  // exp_avg_sq.mul_(b2).addcmul_(grad, grad, value=1-b2)
                var denom = Vector256.Sqrt(vi) / bc2 + eps;                           // (exp_avg_sq.sqrt() / bc2_sqrt).add_(eps)
                pi += step * mi / denom;                                              // param.addcdiv_(exp_avg, denom, value=-step_size)
                mi.Store(m + i);
                vi.Store(v + i);
                pi.Store(p + i);
                if (c.ZeroGrad) Vector256<float>.Zero.Store(g + i);
            }
        }
        for (; i < n; i++)
        {
            float gi = g[i] * c.GradScale;
            float pi = p[i] * c.Decay;
            float mi = MathF.FusedMultiplyAdd(gi, c.OneMinusBeta1, m[i] * c.Beta1);
            float vi = MathF.FusedMultiplyAdd(c.OneMinusBeta2 * gi, gi, v[i] * c.Beta2);
            float denom = MathF.Sqrt(vi) / c.BiasCorrection2Sqrt + c.Eps;
            pi += c.NegStepSize * mi / denom;
            m[i] = mi; v[i] = vi; p[i] = pi;
            if (c.ZeroGrad) g[i] = 0f;
        }
    }
}
