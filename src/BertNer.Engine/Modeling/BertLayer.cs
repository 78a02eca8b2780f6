using static TorchSharp.torch;

namespace BertNer.Modeling;

/// <summary>HF BertLayer: attention, intermediate, output.</summary>
public sealed class BertLayer : nn.Module<Tensor, TokenLayout, Tensor>
{
    private readonly BertAttention attention;
    private readonly BertIntermediate intermediate;
    private readonly BertResidualOutput output;

    public BertLayer(BertConfig c) : base(nameof(BertLayer))
    {
        attention = new BertAttention(c);
        intermediate = new BertIntermediate(c);
        output = new BertResidualOutput(c, c.IntermediateSize);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden, TokenLayout layout)
    {
        using var scope = NewDisposeScope();
        var a = attention.forward(hidden, layout);
        return output.forward(intermediate.forward(a), a).MoveToOuterDisposeScope();
    }
}
