using static TorchSharp.torch;

namespace BertNer.Modeling;

/// <summary>HF BertModel: embeddings, encoder and (optionally) the pooler.</summary>
public sealed class BertModel : nn.Module<Tensor, Tensor?, Tensor?, Tensor>
{
    private readonly BertEmbeddings embeddings;
    private readonly BertEncoder encoder;
    private readonly BertPooler? pooler;

    public BertConfig Config { get; }

    public BertModel(BertConfig c, bool addPoolingLayer = true) : base(nameof(BertModel))
    {
        Config = c;
        embeddings = new BertEmbeddings(c);
        encoder = new BertEncoder(c);
        if (addPoolingLayer) pooler = new BertPooler(c);
        RegisterComponents();
    }

    /// <summary>Returns the last hidden state [batch, seq, hidden]; padding positions are zero.</summary>
    /// <param name="attentionMask">[batch, seq], 1 for real tokens and 0 for padding (HF convention); null = all real.</param>
    public override Tensor forward(Tensor inputIds, Tensor? attentionMask, Tensor? tokenTypeIds)
    {
        using var scope = NewDisposeScope();
        using var layout = new TokenLayout(inputIds.shape[0], inputIds.shape[1], attentionMask);
        return layout.Pad(Encode(inputIds, tokenTypeIds, layout)).MoveToOuterDisposeScope();
    }

    /// <summary>The last hidden state of the real tokens only, [N, hidden].</summary>
    public Tensor Encode(Tensor inputIds, Tensor? tokenTypeIds, TokenLayout layout)
    {
        using var scope = NewDisposeScope();
        return encoder.forward(embeddings.forward(inputIds, tokenTypeIds, layout), layout).MoveToOuterDisposeScope();
    }

    public Tensor Pool(Tensor lastHiddenState) =>
        pooler is null ? throw new InvalidOperationException("This BertModel was built without a pooler.") : pooler.forward(lastHiddenState);
}
