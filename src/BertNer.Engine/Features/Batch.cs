using static TorchSharp.torch;

namespace BertNer.Features;

/// <summary>A padded batch (dynamic padding: to the longest sentence in the batch).</summary>
public sealed class Batch : IDisposable
{
    public required Tensor InputIds { get; init; }
    public required Tensor AttentionMask { get; init; }
    public required Tensor Labels { get; init; }
    public required IReadOnlyList<EncodedSentence> Sentences { get; init; }
    public int RealTokens => Sentences.Sum(s => s.Length);
    public int PaddedTokens => Sentences.Count * Sentences.Max(s => s.Length);

    public static Batch Collate(IReadOnlyList<EncodedSentence> items, long padId, Device device)
    {
        int b = items.Count, t = items.Max(s => s.Length);
        var ids = new long[b * t];
        var mask = new long[b * t];
        var labels = new long[b * t];
        Array.Fill(ids, padId);
        Array.Fill(labels, Modeling.BertForTokenClassification.IgnoreIndex);
        for (int i = 0; i < b; i++)
        {
            var s = items[i];
            Array.Copy(s.InputIds, 0, ids, i * t, s.Length);
            Array.Copy(s.LabelIds, 0, labels, i * t, s.Length);
            Array.Fill(mask, 1L, i * t, s.Length);
        }
        return new Batch
        {
            InputIds = tensor(ids, new long[] { b, t }, device: device),
            AttentionMask = tensor(mask, new long[] { b, t }, device: device),
            Labels = tensor(labels, new long[] { b, t }, device: device),
            Sentences = items,
        };
    }

    public void Dispose()
    {
        InputIds.Dispose();
        AttentionMask.Dispose();
        Labels.Dispose();
    }
}
