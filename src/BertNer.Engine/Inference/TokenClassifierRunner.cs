using BertNer.Features;
using BertNer.Modeling;
using BertNer.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace BertNer.Inference;

/// <summary>
/// Runs the token classifier over encoded sentences without gradients: batches of similar length
/// (sorted, so padding stays small), results returned in input order.
/// </summary>
public static class TokenClassifierRunner
{
    // Kept for the process: an implicit int → Scalar temporary could be freed mid-call (KeptScalars).
    private static readonly Scalar IgnoreIndex = BertForTokenClassification.IgnoreIndex;

    public static TokenScores[] Run(NerModel model, IReadOnlyList<EncodedSentence> items, int batchSize,
        bool withProbabilities = false, Action<int>? progress = null, CancellationToken ct = default)
    {
        var net = model.Classifier ?? throw new BertNerException(BertNerErrorKind.InvalidArgument,
            $"Model '{model.Name}' has no labels: it is a pretrained encoder. Fine-tune it with Start-BertNerTraining first.", "Model");
        var results = new TokenScores[items.Count];
        var order = Enumerable.Range(0, items.Count).OrderByDescending(i => items[i].Length).ToArray();
        bool wasTraining = net.training;
        net.eval();
        try
        {
            using var _ = inference_mode();
            using var heap = GlibcAllocator.HeapOnly(); // no fresh page faults for each batch's activations
            int done = 0;
            foreach (var chunk in order.Chunk(Math.Max(1, batchSize)))
            {
                ct.ThrowIfCancellationRequested();
                TorchThreads.Adapt(); // fewer threads while other processes keep cores busy
                using var scope = NewDisposeScope();
                var batchItems = chunk.Select(i => items[i]).ToList();
                using var batch = Batch.Collate(batchItems, model.Tokenizer.PadId, model.Device);
                var logits = net.forward(batch.InputIds, batch.AttentionMask, null); // [b, t, labels]
                var flatLoss = nn.functional.cross_entropy(logits.view(-1, logits.shape[2]), batch.Labels.view(-1),
                    ignore_index: BertForTokenClassification.IgnoreIndex, reduction: nn.Reduction.None).view(logits.shape[0], logits.shape[1]);
                var lossSums = flatLoss.sum(1).cpu().to(ScalarType.Float64).data<double>().ToArray();
                var counts = batch.Labels.ne(IgnoreIndex).sum(1).cpu().data<long>().ToArray();
                long t = logits.shape[1], nl = logits.shape[2];
                var argmax = logits.argmax(2).cpu().to(ScalarType.Int32).data<int>().ToArray();
                float[]? probs = withProbabilities ? nn.functional.softmax(logits, 2).cpu().data<float>().ToArray() : null;
                for (int k = 0; k < chunk.Length; k++)
                {
                    int len = batchItems[k].Length;
                    float[][]? p = null;
                    if (probs != null)
                    {
                        p = new float[len][];
                        for (int pos = 0; pos < len; pos++)
                            p[pos] = probs.AsSpan((int)((k * t + pos) * nl), (int)nl).ToArray();
                    }
                    results[chunk[k]] = new TokenScores
                    {
                        Argmax = argmax.AsSpan((int)(k * t), len).ToArray(),
                        Probabilities = p,
                        LossSum = lossSums[k],
                        LossCount = (int)counts[k],
                    };
                }
                done += chunk.Length;
                progress?.Invoke(done);
            }
        }
        finally
        {
            if (wasTraining) net.train();
        }
        return results;
    }
}
