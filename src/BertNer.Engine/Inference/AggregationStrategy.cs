namespace BertNer.Inference;

/// <summary>
/// How token predictions become entities: the strategies of Hugging Face's token-classification pipeline.
/// For First/Average/Max a word is a whitespace-separated chunk of the text (as CoNLL tokens are words),
/// without edge punctuation the model tags O; HF's pipeline also cuts words at punctuation.
/// </summary>
public enum AggregationStrategy
{
    /// <summary>Every non-O sub-token is its own entity, typed by its full label (B-PER).</summary>
    None,
    /// <summary>Sub-tokens grouped by B-/I- tags; a word may be split between entities.</summary>
    Simple,
    /// <summary>A word takes the label of its first sub-token (as Measure-BertNerModel scores it); words grouped.</summary>
    First,
    /// <summary>A word takes the label with the highest mean probability over its sub-tokens; words grouped.</summary>
    Average,
    /// <summary>A word takes the label of its most confident sub-token; words grouped.</summary>
    Max,
}
