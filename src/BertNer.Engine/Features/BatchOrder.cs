namespace BertNer.Features;

/// <summary>
/// Which sentences go into which batch in an epoch: a seeded shuffle (HF's RandomSampler) or, with
/// group_by_length, HF's LengthGroupedSampler (shuffle, then sort mega-batches of 50 batches by length).
/// Derived from (seed, epoch) alone, so a resumed run sees the same order.
/// </summary>
public static class BatchOrder
{
    public static List<int[]> ForEpoch(IReadOnlyList<int> lengths, int batchSize, int seed, int epoch, bool groupByLength)
    {
        var rng = new Random(unchecked(seed * 1_000_003 + epoch * 7919 + 17));
        var order = Enumerable.Range(0, lengths.Count).ToArray();
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        if (groupByLength)
        {
            int mega = batchSize * 50;
            for (int start = 0; start < order.Length; start += mega)
            {
                int n = Math.Min(mega, order.Length - start);
                Array.Sort(order, start, n, Comparer<int>.Create((a, b) => lengths[b].CompareTo(lengths[a])));
            }
        }
        return order.Chunk(batchSize).ToList();
    }

    public static int BatchesPerEpoch(int count, int batchSize) => (count + batchSize - 1) / batchSize;
}
