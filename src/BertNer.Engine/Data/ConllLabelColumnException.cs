namespace BertNer.Data;

/// <summary>
/// A label that is not a tag at all (such as 'Y'), read from a file with more columns than a token and a label:
/// perhaps the labels are in another column. The message says which columns hold tags on every line;
/// <see cref="TagColumns"/> lists them (0-based, empty when none does) so a caller can name its own option for
/// picking the label column.
/// </summary>
public sealed class ConllLabelColumnException : BertNerException
{
    public ConllLabelColumnException(string message, string target, int labelColumn, int columnCount, IReadOnlyList<int> tagColumns)
        : base(BertNerErrorKind.InvalidData, message, target)
    {
        LabelColumn = labelColumn;
        ColumnCount = columnCount;
        TagColumns = tagColumns;
    }

    /// <summary>The column (0-based) the labels were read from.</summary>
    public int LabelColumn { get; }

    public int ColumnCount { get; }

    /// <summary>Other columns (0-based, not the token's) whose every value is O or a tag, with at least one entity tag.</summary>
    public IReadOnlyList<int> TagColumns { get; }
}
