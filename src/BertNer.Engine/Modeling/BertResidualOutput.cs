using BertNer.Runtime;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BertNer.Modeling;

/// <summary>
/// HF BertSelfOutput and BertOutput (same shape of code): dense, dropout, then LayerNorm over the residual sum.
/// </summary>
public sealed class BertResidualOutput : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly Linear dense;
    private readonly LayerNorm LayerNorm;
    private readonly Dropout dropout;

    public BertResidualOutput(BertConfig c, int inFeatures) : base(nameof(BertResidualOutput))
    {
        dense = nn.Linear(inFeatures, c.HiddenSize);
        LayerNorm = nn.LayerNorm(c.HiddenSize, eps: c.LayerNormEps);
        dropout = nn.Dropout(c.HiddenDropoutProb);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden, Tensor residual)
    {
        using var scope = NewDisposeScope();
        // add(…, alpha) rather than +, whose hidden alpha Scalar no one keeps (KeptScalars).
        return LayerNorm.forward(dropout.forward(dense.forward(hidden)).add(residual, KeptScalars.One)).MoveToOuterDisposeScope();
    }
}
