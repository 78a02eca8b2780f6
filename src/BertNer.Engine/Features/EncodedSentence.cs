namespace BertNer.Features;

/// <summary>
/// A sentence as the model sees it: sub-token ids with [CLS]/[SEP], label ids, and where each word starts.
/// With document context the ids are [CLS] left context, the sentence's own sub-tokens, right context [SEP];
/// only the sentence's own positions carry labels and predictions.
/// </summary>
public sealed class EncodedSentence
{
    public required long[] InputIds { get; init; }
    /// <summary>Per position; <see cref="Modeling.BertForTokenClassification.IgnoreIndex"/> where the loss ignores it.</summary>
    public required long[] LabelIds { get; init; }
    /// <summary>Per word: the position of its first sub-token, or -1 when truncation cut it off.</summary>
    public required int[] WordStarts { get; init; }
    /// <summary>Index of the sentence in the list it was encoded from.</summary>
    public required int Index { get; init; }
    /// <summary>Sub-tokens of the preceding sentences between [CLS] and the sentence's own (0 without document context).</summary>
    public int ContextLeft { get; init; }
    /// <summary>Sub-tokens of the following sentences between the sentence's own and [SEP].</summary>
    public int ContextRight { get; init; }
    public int Length => InputIds.Length;
    /// <summary>Position of the sentence's first own sub-token.</summary>
    public int SentenceStart => 1 + ContextLeft;
    /// <summary>How many of the positions are the sentence's own sub-tokens.</summary>
    public int SentenceLength => Length - 2 - ContextLeft - ContextRight;
}
