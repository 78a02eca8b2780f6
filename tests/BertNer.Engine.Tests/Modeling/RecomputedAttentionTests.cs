using BertNer.Modeling;
using static TorchSharp.torch;

namespace BertNer.Tests.Modeling;

/// <summary>
/// Training attention keeps a one-byte dropout mask and recomputes the rest in backward; that is only
/// acceptable if it changes no number: output, gradients and the random stream must equal libtorch's
/// scaled_dot_product_attention (math path with dropout) exactly.
/// </summary>
public class RecomputedAttentionTests
{
    private const long B = 4, H = 12, L = 37, D = 32;

    private static (Tensor Out, Tensor Dq, Tensor Dk, Tensor Dv, Tensor NextDraw) Run(Func<Tensor, Tensor, Tensor, Tensor> attention)
    {
        var gen = new Generator(11UL);
        var q = randn(new[] { B, L, H, D }, generator: gen).transpose(1, 2).detach().requires_grad_();
        var k = randn(new[] { B, L, H, D }, generator: gen).transpose(1, 2).detach().requires_grad_();
        var v = randn(new[] { B, L, H, D }, generator: gen).transpose(1, 2).detach().requires_grad_();
        var upstream = randn(new[] { B, H, L, D }, generator: gen);
        manual_seed(42); // dropout draws from the default generator, as in training
        var output = attention(q, k, v);
        output.backward([upstream]);
        return (output.detach(), q.grad!, k.grad!, v.grad!, rand(5));
    }

    private static Tensor KeyMask()
    {
        var lengths = new long[] { L, 9, 30, 1 };
        var mask = zeros(new[] { B, L }, dtype: ScalarType.Bool);
        for (int i = 0; i < B; i++) mask[i, TensorIndex.Slice(0, lengths[i])] = tensor(true);
        return mask.unsqueeze(1).unsqueeze(2);
    }

    private static void AssertSame((Tensor, Tensor, Tensor, Tensor, Tensor) expected, (Tensor, Tensor, Tensor, Tensor, Tensor) actual)
    {
        var names = new[] { "output", "dq", "dk", "dv", "next random draw" };
        var e = new[] { expected.Item1, expected.Item2, expected.Item3, expected.Item4, expected.Item5 };
        var a = new[] { actual.Item1, actual.Item2, actual.Item3, actual.Item4, actual.Item5 };
        for (int i = 0; i < e.Length; i++)
            Assert.True(e[i].eq(a[i]).all().item<bool>(), $"{names[i]} differs by up to {(e[i] - a[i]).abs().max().item<float>()}");
    }

    [Fact]
    public void Padded_batch_with_dropout_matches_scaled_dot_product_attention_to_the_bit()
    {
        var mask = KeyMask();
        var expected = Run((q, k, v) => nn.functional.scaled_dot_product_attention(q, k, v, mask, 0.1));
        var actual = Run((q, k, v) => RecomputedAttention.Apply(q, k, v, mask, 0.1));
        AssertSame(expected, actual);
        // and dropout really dropped something (without it the output differs)
        Assert.False(Run((q, k, v) => RecomputedAttention.Apply(q, k, v, mask, 0.0)).Out.eq(actual.Out).all().item<bool>());
    }

    [Fact]
    public void Batch_without_padding_matches_scaled_dot_product_attention_to_the_bit()
    {
        var expected = Run((q, k, v) => nn.functional.scaled_dot_product_attention(q, k, v, null, 0.1));
        var actual = Run((q, k, v) => RecomputedAttention.Apply(q, k, v, null, 0.1));
        AssertSame(expected, actual);
    }
}
