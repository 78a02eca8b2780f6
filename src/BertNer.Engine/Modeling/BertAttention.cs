using static TorchSharp.torch;

namespace BertNer.Modeling;

/// <summary>HF BertAttention: self-attention followed by its residual output block.</summary>
public sealed class BertAttention : nn.Module<Tensor, TokenLayout, Tensor>
{
    private readonly BertSelfAttention self;
    private readonly BertResidualOutput output;

    public BertAttention(BertConfig c) : base(nameof(BertAttention))
    {
        self = new BertSelfAttention(c);
        output = new BertResidualOutput(c, c.HiddenSize);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden, TokenLayout layout)
    {
        using var scope = NewDisposeScope();
        return output.forward(self.forward(hidden, layout), hidden).MoveToOuterDisposeScope();
    }
}
