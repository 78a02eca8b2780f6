using BertNer.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BertNer.Tests.Training;

/// <summary>
/// The fused CPU update (one pass per parameter) against the op-by-op libtorch version it replaces:
/// same moments to the bit, parameters within float32 rounding, gradients clipped and zeroed alike.
/// </summary>
public class FusedAdamWTests
{
    // Shapes that cover a chunked tensor (more than one 65,536-element chunk, with a ragged end), a
    // vector shorter than one SIMD lane group, and a no-decay (bias) parameter.
    private static (string, long[])[] Shapes => [
        ("embeddings.word_embeddings.weight", [1031, 97]),
        ("encoder.layer.0.output.dense.weight", [33, 7]),
        ("encoder.layer.0.output.dense.bias", [5]),
        ("encoder.layer.0.output.LayerNorm.weight", [13])];

    private static (List<(string Name, Parameter Param)> Params, InPlaceAdamW Optimizer) Make(bool fused)
    {
        var gen = new Generator(7UL);
        var ps = Shapes.Select(s => (s.Item1, nn.Parameter(randn(s.Item2, generator: gen) * 0.05f))).ToList();
        return (ps, new InPlaceAdamW(ps, 0.9, 0.999, 1e-8, 0.01, fused));
    }

    private static void SetGrads(List<(string Name, Parameter Param)> ps, int step)
    {
        var gen = new Generator((ulong)(100 + step));
        foreach (var (_, p) in ps)
        {
            using var g = randn(p.shape, generator: gen) * 1e-2f;
            // Force the grad to exist and hold g (a tiny backward, as training does).
            p.grad?.zero_();
            (p * g.detach()).sum().backward();
        }
    }

    [Fact]
    public void Fused_update_matches_the_op_by_op_update_over_several_clipped_steps()
    {
        var (a, fused) = Make(fused: true);
        var (b, ops) = Make(fused: false);
        using (fused) using (ops)
        {
            for (int step = 0; step < 5; step++)
            {
                SetGrads(a, step); SetGrads(b, step);
                float clipA = fused.ClipScale(0.05), clipB = ops.ClipScale(0.05);
                Assert.Equal(clipB, clipA);
                Assert.True(clipA < 1f, "the test should exercise clipping");
                fused.Update(2e-5 * (5 - step), clipA, zeroGradients: true);
                ops.Update(2e-5 * (5 - step), clipB, zeroGradients: true);
            }
            var sa = fused.StateDict(); var sb = ops.StateDict();
            foreach (var key in sb.Keys.Where(k => k != "step"))
                Assert.True(sa[key].equal(sb[key]).all().item<bool>(), $"{key} differs between fused and op-by-op AdamW");
            for (int k = 0; k < a.Count; k++)
            {
                var pa = a[k].Param; var pb = b[k].Param;
                // Within float32 rounding: two ulps of the weight, plus a millionth of one update (≈ lr = 1e-4)
                // for weights that passed near zero.
                var excess = ((pa - pb).abs() - (pb.abs() * 2.4e-7 + 1e-10)).max().item<float>();
                Assert.True(excess <= 0, $"{a[k].Name}: fused and op-by-op parameters differ by more than float32 rounding ({excess:E2} over)");
                Assert.Equal(0f, pa.grad!.abs().max().item<float>());
            }
        }
    }

    [Fact]
    public void Biases_and_layernorm_weights_are_not_decayed_by_the_fused_update()
    {
        var (ps, opt) = Make(fused: true);
        using (opt)
        {
            var before = ps.Select(p => p.Param.detach().clone()).ToList();
            foreach (var (_, p) in ps) (p * 0f).sum().backward(); // zero gradients: only decay can move a weight
            opt.Update(1e-1);
            for (int k = 0; k < ps.Count; k++)
            {
                bool moved = !ps[k].Param.equal(before[k]).all().item<bool>();
                Assert.Equal(!InPlaceAdamW.IsNoDecay(ps[k].Name), moved);
            }
        }
    }
}
