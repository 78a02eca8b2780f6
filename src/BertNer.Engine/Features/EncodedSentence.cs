namespace BertNer.Features;

/// <summary>A sentence as the model sees it: sub-token ids with [CLS]/[SEP], label ids, and where each word starts.</summary>
public sealed class EncodedSentence
{
    public required long[] InputIds { get; init; }
    /// <summary>Per position; <see cref="Modeling.BertForTokenClassification.IgnoreIndex"/> where the loss ignores it.</summary>
    public required long[] LabelIds { get; init; }
    /// <summary>Per word: the position of its first sub-token, or -1 when truncation cut it off.</summary>
    public required int[] WordStarts { get; init; }
    /// <summary>Index of the sentence in the list it was encoded from.</summary>
    public required int Index { get; init; }
    public int Length => InputIds.Length;
}
