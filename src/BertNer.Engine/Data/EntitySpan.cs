
namespace BertNer.Data;

/// <summary>One entity of a labelled sentence: its type and the tokens it covers.</summary>
/// <param name="Start">Index of the first token, inclusive.</param>
/// <param name="End">Index after the last token, exclusive.</param>
public readonly record struct EntitySpan(string Type, int Start, int End)
{
    public int Length => End - Start;

    /// <summary>
    /// The entities of a tag sequence, delimited exactly as conlleval delimits phrases, so counts here
    /// equal the scorer's. Works for IOB1 and IOB2 (an I- after O or after another type starts an entity).
    /// </summary>
    public static List<EntitySpan> Find(IReadOnlyList<string> tags)
    {
        var spans = new List<EntitySpan>();
        string prev = "O", prevType = "";
        var start = -1;
        var startType = "";
        for (var i = 0; i <= tags.Count; i++)
        {
            // One step past the end acts as conlleval's sentence boundary (an O that closes everything).
            var (tag, type) = i < tags.Count ? ConllChunkRules.Split(tags[i]) : ("O", "");
            var starts = ConllChunkRules.IsChunkStart(prev, tag, prevType, type);
            // conlleval counts a phrase at every start, so a start also closes an open span.
            if (start >= 0 && (starts || ConllChunkRules.IsChunkEnd(prev, tag, prevType, type)))
            {
                spans.Add(new EntitySpan(startType, start, i));
                start = -1;
            }
            if (starts) (start, startType) = (i, type);
            prev = tag;
            prevType = type;
        }
        // Only odd tags without a type (e.g. "X" after B-PER) survive the boundary; a span never crosses it.
        if (start >= 0) spans.Add(new EntitySpan(startType, start, tags.Count));
        return spans;
    }

    public override string ToString() => $"{Type}[{Start}..{End})";
}
