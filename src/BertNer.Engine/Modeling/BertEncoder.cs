using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BertNer.Modeling;

/// <summary>HF BertEncoder: the stack of layers (state-dict keys encoder.layer.N.*).</summary>
public sealed class BertEncoder : nn.Module<Tensor, TokenLayout, Tensor>
{
    private readonly ModuleList<BertLayer> layer;

    public BertEncoder(BertConfig c) : base(nameof(BertEncoder))
    {
        layer = nn.ModuleList(Enumerable.Range(0, c.NumHiddenLayers).Select(_ => new BertLayer(c)).ToArray());
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden, TokenLayout layout)
    {
        using var scope = NewDisposeScope();
        var x = hidden;
        foreach (var l in layer) x = l.forward(x, layout);
        return x.MoveToOuterDisposeScope();
    }
}
