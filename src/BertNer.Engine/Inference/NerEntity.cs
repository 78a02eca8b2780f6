namespace BertNer.Inference;

/// <summary>
/// An entity found in a text. <c>Input.Substring(Start, End - Start) == Text</c> always (End is exclusive,
/// offsets are UTF-16 indices into the input string, as PowerShell and .NET index strings).
/// </summary>
public sealed class NerEntity
{
    /// <summary>Entity type (PER, LOC, ...); with aggregation None, the token's label (B-PER, I-PER, ...).</summary>
    public required string Type { get; init; }
    public required string Text { get; init; }
    public int Start { get; init; }
    public int End { get; init; }
    /// <summary>Mean probability of the entity's tokens or words (HF pipeline semantics).</summary>
    public double Score { get; init; }
    /// <summary>0-based position of the input among the texts of the call (or pipeline).</summary>
    public int InputIndex { get; init; }
    public required string Input { get; init; }

    public override string ToString() => $"{Type}: {Text} [{Start}..{End})";
}
