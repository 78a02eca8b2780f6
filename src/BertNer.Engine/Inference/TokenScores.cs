namespace BertNer.Inference;

/// <summary>What the token classifier said about one encoded sentence.</summary>
public sealed class TokenScores
{
    /// <summary>Per position (incl. [CLS]/[SEP]): the most likely label id.</summary>
    public required int[] Argmax { get; init; }
    /// <summary>Per position: softmax probabilities [position][label], when asked for.</summary>
    public float[][]? Probabilities { get; init; }
    /// <summary>Sum of the cross-entropy over the labelled positions, and how many there were.</summary>
    public double LossSum { get; init; }
    public int LossCount { get; init; }
}
