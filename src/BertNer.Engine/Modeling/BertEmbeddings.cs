using BertNer.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BertNer.Modeling;

/// <summary>HF BertEmbeddings: word + absolute position + token type, then LayerNorm and dropout.</summary>
public sealed class BertEmbeddings : nn.Module<Tensor, Tensor?, TokenLayout, Tensor>
{
    // Field names are the HF state-dict keys (embeddings.word_embeddings.weight, ...).
    private readonly Embedding word_embeddings;
    private readonly Embedding position_embeddings;
    private readonly Embedding token_type_embeddings;
    private readonly LayerNorm LayerNorm;
    private readonly Dropout dropout;

    public BertEmbeddings(BertConfig c) : base(nameof(BertEmbeddings))
    {
        // Sparse gradient: backward hands over the looked-up rows only, which accumulate into the dense
        // gradient buffer InPlaceAdamW keeps (same sums in the same order, so the same bits). The dense
        // form is a 47 MB (MiniLM) zero-filled temporary every step, a block the allocator can only make
        // slow (fresh pages every step) or bloated (kept in the heap).
        word_embeddings = nn.Embedding(c.VocabSize, c.HiddenSize, padding_idx: c.PadTokenId, sparse: true);
        position_embeddings = nn.Embedding(c.MaxPositionEmbeddings, c.HiddenSize);
        token_type_embeddings = nn.Embedding(c.TypeVocabSize, c.HiddenSize);
        LayerNorm = nn.LayerNorm(c.HiddenSize, eps: c.LayerNormEps);
        dropout = nn.Dropout(c.HiddenDropoutProb);
        RegisterComponents();
    }

    /// <returns>[N, hidden]: the real tokens of the batch (see <see cref="TokenLayout"/>).</returns>
    public override Tensor forward(Tensor inputIds, Tensor? tokenTypeIds, TokenLayout layout)
    {
        using var scope = NewDisposeScope();
        long seq = inputIds.shape[1];
        // Explicit Scalars and add(…, alpha): arange(n) and x + y make native Scalars no one keeps (KeptScalars).
        using Scalar end = seq;
        var positions = arange(KeptScalars.Zero, end, KeptScalars.One, dtype: ScalarType.Int64, device: inputIds.device).unsqueeze(0);
        var x = word_embeddings.forward(inputIds).add(position_embeddings.forward(positions), KeptScalars.One);
        x = tokenTypeIds is null
            ? x.add(token_type_embeddings.weight![0], KeptScalars.One)
            : x.add(token_type_embeddings.forward(tokenTypeIds), KeptScalars.One);
        return dropout.forward(LayerNorm.forward(layout.Unpad(x))).MoveToOuterDisposeScope();
    }
}
