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

    /// <summary>Returns the last hidden state [batch, seq, hidden].</summary>
    /// <param name="attentionMask">[batch, seq], 1 for real tokens and 0 for padding (HF convention); null = all real.</param>
    public override Tensor forward(Tensor inputIds, Tensor? attentionMask, Tensor? tokenTypeIds)
    {
        using var scope = NewDisposeScope();
        // [batch, 1, 1, seq] boolean: every query row may attend to the real keys of its sequence.
        var keyMask = attentionMask is null ? null : attentionMask.to(ScalarType.Bool).unsqueeze(1).unsqueeze(2);
        var h = encoder.forward(embeddings.forward(inputIds, tokenTypeIds), keyMask);
        return h.MoveToOuterDisposeScope();
    }

    public Tensor Pool(Tensor lastHiddenState) =>
        pooler is null ? throw new InvalidOperationException("This BertModel was built without a pooler.") : pooler.forward(lastHiddenState);
}
