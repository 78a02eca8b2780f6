namespace BertNer.Data;

/// <summary>
/// The chunk boundary rules of conlleval.pl (version 2004-01-26), ported line for line so that entity
/// counts match the official CoNLL scorer exactly. A tag splits at its first hyphen into a chunk tag
/// (B, I, E, S, O, ...) and a type; a tag without a hyphen has the empty type.
/// </summary>
/// <remarks>
/// These rules read IOB1 and IOB2 alike: an I- after O or after another type starts an entity.
/// Like conlleval they know B, I, E, O and the bracket tags; S- has no rule of its own, so convert
/// BIOES to IOB2 before scoring (the CoNLL reader does).
/// </remarks>
internal static class ConllChunkRules
{
    /// <summary>Splits a tag as conlleval's <c>/^([^-]*)-(.*)$/</c> does.</summary>
    public static (string Chunk, string Type) Split(string tag)
    {
        var dash = tag.IndexOf('-');
        return dash < 0 ? (tag, "") : (tag[..dash], tag[(dash + 1)..]);
    }

    /// <summary>conlleval's endOfChunk: did a chunk end between the previous and the current word?</summary>
    public static bool IsChunkEnd(string prevTag, string tag, string prevType, string type)
    {
        var end = false;
        if (prevTag == "B" && tag == "B") end = true;
        if (prevTag == "B" && tag == "O") end = true;
        if (prevTag == "I" && tag == "B") end = true;
        if (prevTag == "I" && tag == "O") end = true;

        if (prevTag == "E" && tag == "E") end = true;
        if (prevTag == "E" && tag == "I") end = true;
        if (prevTag == "E" && tag == "O") end = true;

        if (prevTag != "O" && prevTag != "." && prevType != type) end = true;

        // conlleval 1998-12-22: bracket chunks are assumed to have length 1
        if (prevTag == "]") end = true;
        if (prevTag == "[") end = true;
        return end;
    }

    /// <summary>conlleval's startOfChunk: did a chunk start between the previous and the current word?</summary>
    public static bool IsChunkStart(string prevTag, string tag, string prevType, string type)
    {
        var start = false;
        if (prevTag == "B" && tag == "B") start = true;
        if (prevTag == "I" && tag == "B") start = true;
        if (prevTag == "O" && tag == "B") start = true;
        if (prevTag == "O" && tag == "I") start = true;

        if (prevTag == "E" && tag == "E") start = true;
        if (prevTag == "E" && tag == "I") start = true;
        if (prevTag == "O" && tag == "E") start = true;

        if (tag != "O" && tag != "." && prevType != type) start = true;

        if (tag == "[") start = true;
        if (tag == "]") start = true;
        return start;
    }
}
