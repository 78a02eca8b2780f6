using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BertNer.Modeling;

/// <summary>HF BertForTokenClassification: BERT without pooler, dropout, a linear head per token.</summary>
public sealed class BertForTokenClassification : nn.Module<Tensor, Tensor?, Tensor?, Tensor>
{
    /// <summary>Label id that the loss ignores (HF and PyTorch convention).</summary>
    public const long IgnoreIndex = -100;

    private readonly BertModel bert;
    private readonly Dropout dropout;
    private readonly Linear classifier;

    public BertConfig Config { get; }

    public BertForTokenClassification(BertConfig c) : base(nameof(BertForTokenClassification))
    {
        if (c.Labels.Count < 1) throw new ArgumentException("A token classifier needs at least one label.", nameof(c));
        Config = c;
        bert = new BertModel(c, addPoolingLayer: false);
        dropout = nn.Dropout(c.ClassifierDropout ?? c.HiddenDropoutProb);
        classifier = nn.Linear(c.HiddenSize, c.Labels.Count);
        RegisterComponents();
    }

    public BertModel Bert => bert;

    /// <summary>Logits [batch, seq, labels]; zero at padding positions (which the loss ignores).</summary>
    public override Tensor forward(Tensor inputIds, Tensor? attentionMask, Tensor? tokenTypeIds)
    {
        using var scope = NewDisposeScope();
        using var layout = new TokenLayout(inputIds.shape[0], inputIds.shape[1], attentionMask);
        var h = bert.Encode(inputIds, tokenTypeIds, layout);
        return layout.Pad(classifier.forward(dropout.forward(h))).MoveToOuterDisposeScope();
    }

    /// <summary>Mean cross-entropy over the tokens whose label is not <see cref="IgnoreIndex"/> (HF's loss).</summary>
    public static Tensor Loss(Tensor logits, Tensor labels) =>
        nn.functional.cross_entropy(logits.view(-1, logits.shape[^1]), labels.view(-1), ignore_index: IgnoreIndex);

    /// <summary>HF's _init_weights for a fresh head: normal(0, initializer_range) weight, zero bias.</summary>
    public void InitClassifier(Generator? generator = null)
    {
        using var _ = no_grad();
        classifier.weight!.normal_(0, Config.InitializerRange, generator);
        classifier.bias!.zero_();
    }
}
