using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BertNer.Modeling;

/// <summary>HF BertIntermediate: dense to intermediate_size, then the configured activation.</summary>
public sealed class BertIntermediate : nn.Module<Tensor, Tensor>
{
    private readonly Linear dense;
    private readonly string _act;

    public BertIntermediate(BertConfig c) : base(nameof(BertIntermediate))
    {
        dense = nn.Linear(c.HiddenSize, c.IntermediateSize);
        _act = c.HiddenAct;
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        var x = dense.forward(hidden);
        // HF's "gelu" is the exact erf form; "gelu_new"/"gelu_pytorch_tanh" are the tanh approximation.
        var y = _act switch
        {
            "gelu" => nn.functional.gelu(x),
            "gelu_new" or "gelu_pytorch_tanh" => GeluTanh(x),
            "relu" => nn.functional.relu(x),
            "tanh" => x.tanh(),
            _ => throw new InvalidOperationException($"hidden_act '{_act}' is not supported"),
        };
        return y.MoveToOuterDisposeScope();
    }

    private static Tensor GeluTanh(Tensor x) =>
        0.5 * x * (1.0 + (Math.Sqrt(2.0 / Math.PI) * (x + 0.044715 * x.pow(3))).tanh());
}
