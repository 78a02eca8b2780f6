using BertNer.Runtime;
using TorchSharp;
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

    // HF's NewGELU: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), op for op, with Scalars that outlive the
    // calls (number operands would be native temporaries no one keeps, see KeptScalars).
    private static readonly Scalar Half = 0.5, Three = 3, Cubic = 0.044715, SqrtTwoOverPi = Math.Sqrt(2.0 / Math.PI);

    private static Tensor GeluTanh(Tensor x) =>
        x.mul(Half).mul(x.add(x.pow(Three).mul(Cubic), KeptScalars.One).mul(SqrtTwoOverPi).tanh().add(KeptScalars.One, KeptScalars.One));
}
