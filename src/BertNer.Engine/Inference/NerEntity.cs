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
    /// <summary>The caller's identifier of the input (e.g. a ticket id), carried through untouched; null when none was given.
    /// Settable: whoever knows where a text came from fills it in after recognition.</summary>
    public object? Id { get; set; }
    /// <summary>Full path of the file the input was read from; null when the text was given directly.</summary>
    public string? SourceFile { get; set; }

    public override string ToString() => $"{Type}: {Text} [{Start}..{End})";
}
