namespace BertNer.Data;

/// <summary>
/// Decides the scheme of a tag stream (the Auto rule): BIOES if any S- or E- tag occurs; otherwise IOB1
/// if any I-X starts an entity (at sentence start, after O, or after another type); otherwise IOB2.
/// Feed it every tag in order and call <see cref="EndSentence"/> at each sentence boundary.
/// </summary>
public sealed class TagSchemeDetector
{
    private string? _prev;
    private string? _bioesTag, _iob1Tag;
    private int _bioesLine, _iob1Line;

    /// <param name="line">Where the tag is (1-based line or position), quoted in the result.</param>
    public void Add(string tag, int line)
    {
        if (_bioesTag is null && tag.Length > 2 && tag[1] == '-' && (tag[0] == 'S' || tag[0] == 'E'))
            (_bioesTag, _bioesLine) = (tag, line);
        if (_iob1Tag is null && tag.Length > 2 && tag[0] == 'I' && tag[1] == '-' && !TagScheme.Continues(_prev, tag))
            (_iob1Tag, _iob1Line) = (tag, line);
        _prev = tag;
    }

    public void EndSentence() => _prev = null;

    /// <summary>True once nothing later can change the result (a BIOES tag was seen).</summary>
    public bool IsDecided => _bioesTag is not null;

    public TagSchemeDetection Result() =>
        _bioesTag is not null ? new(TagSchemeKind.BIOES, false, _bioesTag, _bioesLine)
        : _iob1Tag is not null ? new(TagSchemeKind.IOB1, false, _iob1Tag, _iob1Line)
        : new(TagSchemeKind.IOB2, false);
}
