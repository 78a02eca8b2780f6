using BertNer.Modeling;
using BertNer.Training;
using BertNer.Tests.Support;
using static TorchSharp.torch;

namespace BertNer.Tests.Modeling;

/// <summary>
/// The word embeddings hand back sparse gradients (the looked-up rows) that accumulate into the
/// optimizer's dense buffer. That must give exactly the dense gradient libtorch's ordinary embedding
/// backward gives, repeated tokens and the padding row included, or training results would change.
/// </summary>
public class SparseEmbeddingGradientTests
{
    [Fact]
    public void Sparse_gradient_accumulated_into_the_dense_buffer_equals_the_dense_gradient_to_the_bit()
    {
        const long vocab = 3000, hidden = 96;
        var gen = new Generator(5UL);
        using var weights = randn(new[] { vocab, hidden }, generator: gen);
        // A batch with many repeats (frequent tokens) and padding (id 0).
        var ids = randint(0, 60, new[] { 8L, 45 }, generator: gen);
        ids[TensorIndex.Colon, TensorIndex.Slice(30, null)] = tensor(0L);
        var upstream = randn(new[] { 8L, 45, hidden }, generator: gen);

        Tensor Gradient(bool sparse)
        {
            var emb = nn.Embedding(vocab, hidden, padding_idx: 0, sparse: sparse);
            using (no_grad()) emb.weight!.copy_(weights);
            using var _ = new InPlaceAdamW([("word_embeddings.weight", emb.weight!)]); // dense zeroed buffer
            // One backward into a zeroed buffer, as every training step does. (A second backward onto a
            // non-zero buffer would group the sums differently: (buffer + g1) + g2 against buffer + (g1 + g2).)
            emb.forward(ids).backward([upstream]);
            Assert.False(emb.weight!.grad!.is_sparse);
            return emb.weight.grad.clone();
        }

        var dense = Gradient(sparse: false);
        var sparse = Gradient(sparse: true);
        Assert.True(dense.eq(sparse).all().item<bool>(), $"differs by up to {(dense - sparse).abs().max().item<float>()}");
        Assert.True(sparse[0].eq(0).all().item<bool>(), "the padding row gets no gradient");
        Assert.True(sparse[5].abs().sum().item<float>() > 0, "a repeated token's row has one");
    }

    [Fact]
    public void The_model_word_embeddings_have_sparse_gradients_and_the_optimizer_dense_buffers()
    {
        var net = new BertForTokenClassification(TinyModel.Config(layers: 1));
        using var opt = new InPlaceAdamW(net.named_parameters());
        var ids = tensor(new long[] { 2, 5, 5, 9, 0, 0 }).view(1, -1);
        var mask = tensor(new long[] { 1, 1, 1, 1, 0, 0 }).view(1, -1);
        BertForTokenClassification.Loss(net.forward(ids, mask, null), tensor(new long[] { 0, 1, 2, 4, -100, -100 }).view(1, -1)).backward();
        var grads = net.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!);
        Assert.All(grads.Values, g => Assert.False(g.is_sparse));
        var word = grads.Single(kv => kv.Key.EndsWith("word_embeddings.weight")).Value;
        Assert.True(word[5].abs().sum().item<float>() > 0, "a looked-up row has a gradient");
        Assert.True(word[7].eq(0).all().item<bool>(), "a row not looked up has none");
    }
}
