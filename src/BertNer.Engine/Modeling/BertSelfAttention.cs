using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BertNer.Modeling;

/// <summary>HF BertSelfAttention (query/key/value), computed with libtorch's fused scaled_dot_product_attention.</summary>
public sealed class BertSelfAttention : nn.Module<Tensor, TokenLayout, Tensor>
{
    private readonly Linear query;
    private readonly Linear key;
    private readonly Linear value;
    private readonly int _heads;
    private readonly int _headDim;
    private readonly double _dropout;

    public BertSelfAttention(BertConfig c) : base(nameof(BertSelfAttention))
    {
        query = nn.Linear(c.HiddenSize, c.HiddenSize);
        key = nn.Linear(c.HiddenSize, c.HiddenSize);
        value = nn.Linear(c.HiddenSize, c.HiddenSize);
        _heads = c.NumAttentionHeads;
        _headDim = c.HeadDim;
        _dropout = c.AttentionProbsDropoutProb;
        RegisterComponents();
    }

    /// <param name="hidden">[N, hidden]: real tokens only; re-padded here just for attention.</param>
    public override Tensor forward(Tensor hidden, TokenLayout layout)
    {
        using var scope = NewDisposeScope();
        long b = layout.Batch, s = layout.Seq;
        Tensor Heads(Linear proj) => layout.Pad(proj.forward(hidden)).view(b, s, _heads, _headDim).transpose(1, 2);
        // Training with dropout: libtorch's fused kernel cannot drop out, and its math path keeps three
        // seq² maps per layer for backward; RecomputedAttention gives the same numbers from a one-byte mask.
        var ctx = training && _dropout > 0
            ? RecomputedAttention.Apply(Heads(query), Heads(key), Heads(value), layout.KeyMask, _dropout)
            : nn.functional.scaled_dot_product_attention(Heads(query), Heads(key), Heads(value), layout.KeyMask, training ? _dropout : 0.0);
        return layout.Unpad(ctx.transpose(1, 2).reshape(b, s, _heads * _headDim)).MoveToOuterDisposeScope();
    }
}
