namespace BertNer.Data;

/// <summary>Which columns of a CoNLL file hold the token and the label, and how the labels are written.</summary>
public sealed record ConllReaderOptions
{
    /// <summary>Column of the token. Columns count from 0; negative counts from the end (-1 = last).</summary>
    public int TokenColumn { get; init; } = 0;

    /// <summary>Column of the gold label; -1 (the default) is the last column.</summary>
    public int LabelColumn { get; init; } = -1;

    /// <summary>The scheme the labels are written in; they are converted to IOB2.</summary>
    public TagSchemeKind Scheme { get; init; } = TagSchemeKind.Auto;
}
