using System.Collections.Concurrent;

namespace BertNer.Data;

/// <summary>
/// Tag syntax, and conversion of IOB1 and BIOES label sequences to IOB2 (the scheme every
/// <see cref="NerSentence"/> holds). IOB1→IOB2: an I-X that does not follow an X tag becomes B-X.
/// BIOES→IOB2: S-X becomes B-X and E-X becomes I-X.
/// </summary>
/// <remarks>
/// Deviations that leave entity boundaries unambiguous are accepted (IOB1's B-X after O, BIOES's B-X
/// without an E-X); anything that would force a guess is a <see cref="TagProblem"/>: a malformed tag, a
/// tag of another scheme, an IOB2 I-X that starts an entity, a BIOES I-X/E-X that continues nothing.
/// </remarks>
public static class TagScheme
{
    public const string Outside = "O";

    private static readonly ConcurrentDictionary<string, string> Converted = new(StringComparer.Ordinal);

    /// <summary>True for O, or a prefix the scheme allows, a hyphen, and a type without whitespace.</summary>
    public static bool IsWellFormed(string tag, TagSchemeKind scheme)
    {
        if (tag == Outside) return true;
        if (tag.Length < 3 || tag[1] != '-' || !Prefixes(scheme).Contains(tag[0])) return false;
        foreach (var c in tag.AsSpan(2))
            if (char.IsWhiteSpace(c)) return false;
        return true;
    }

    /// <summary>True when <paramref name="tag"/> continues the entity that <paramref name="previous"/> (B-X or I-X of the same type) is part of.</summary>
    public static bool Continues(string? previous, string tag) =>
        previous is { Length: > 2 } && previous.Length == tag.Length && previous[1] == '-' &&
        (previous[0] == 'B' || previous[0] == 'I') && previous.AsSpan(2).SequenceEqual(tag.AsSpan(2));

    /// <summary>
    /// Checks one sentence's tags against <paramref name="scheme"/> and writes their IOB2 form into
    /// <paramref name="iob2"/> (same length). Returns the first problem, or null when all is well.
    /// <see cref="TagSchemeKind.Auto"/> decides from this sentence alone.
    /// </summary>
    public static TagProblem? TryToIob2(IReadOnlyList<string> tags, TagSchemeKind scheme, string[] iob2)
    {
        if (iob2.Length != tags.Count)
            throw new ArgumentException($"The output array needs {tags.Count} slots, not {iob2.Length}.", nameof(iob2));
        if (scheme == TagSchemeKind.Auto) scheme = Detect(tags).Scheme;
        string? previous = null;
        for (var i = 0; i < tags.Count; i++)
        {
            var tag = tags[i];
            if (!IsWellFormed(tag, scheme))
                return new TagProblem(i, Malformed(tag, scheme));
            var continues = Continues(previous, tag);
            iob2[i] = (scheme, tag[0]) switch
            {
                (_, 'O') => Outside,
                (_, 'B') => tag,
                (TagSchemeKind.IOB1, 'I') => continues ? tag : Convert(tag, 'B'),
                (_, 'I') when continues => tag,
                (TagSchemeKind.BIOES, 'E') when continues => Convert(tag, 'I'),
                (TagSchemeKind.BIOES, 'S') => Convert(tag, 'B'),
                _ => null!,
            };
            if (iob2[i] is null)
                return new TagProblem(i, scheme == TagSchemeKind.IOB2
                    ? $"{MessageText.Quote(tag)} follows {Describe(previous)} and so starts an entity, but in IOB2 an entity starts with {MessageText.Quote("B-" + tag[2..])}. " +
                      "If the file is IOB1 (I- starts entities), read it as IOB1 or Auto; otherwise fix the label."
                    : $"{MessageText.Quote(tag)} follows {Describe(previous)}, but in BIOES an {tag[0]}- tag continues an entity begun by {MessageText.Quote("B-" + tag[2..])}. Fix the label.",
                    Misplaced: true);
            previous = tag;
        }
        return null;
    }

    /// <summary>The IOB2 form of one sentence's tags; throws <see cref="BertNerException"/> (InvalidData) on a problem.</summary>
    public static string[] ToIob2(IReadOnlyList<string> tags, TagSchemeKind scheme = TagSchemeKind.Auto)
    {
        var iob2 = new string[tags.Count];
        if (TryToIob2(tags, scheme, iob2) is { } problem)
            throw new BertNerException(BertNerErrorKind.InvalidData, $"Tag {problem.Index + 1} of {tags.Count}: {problem.Message}", $"tag {problem.Index + 1}");
        return iob2;
    }

    /// <summary>The Auto rule applied to one sequence (positions are 1-based token numbers).</summary>
    public static TagSchemeDetection Detect(IReadOnlyList<string> tags)
    {
        var detector = new TagSchemeDetector();
        for (var i = 0; i < tags.Count; i++) detector.Add(tags[i], i + 1);
        return detector.Result();
    }

    private static string Prefixes(TagSchemeKind scheme) => scheme == TagSchemeKind.BIOES ? "BIES" : "BI";

    private static string Malformed(string tag, TagSchemeKind scheme)
    {
        if (tag.Length == 0) return "the label is empty; expected O or a tag such as B-PER.";
        if (scheme != TagSchemeKind.BIOES && tag.Length > 2 && tag[1] == '-' && (tag[0] == 'E' || tag[0] == 'S'))
            return $"{MessageText.Quote(tag)} is a BIOES tag, but the labels are read as {scheme}. Read the file as BIOES (or Auto).";
        var prefixes = scheme == TagSchemeKind.BIOES ? "B-, I-, E- or S-" : "B- or I-";
        return $"{MessageText.Quote(tag)} is not a tag; expected O, or {prefixes} followed by an entity type (e.g. B-PER).";
    }

    private static string Describe(string? previous) => previous is null ? "the start of the sentence" : MessageText.Quote(previous);

    private static string Convert(string tag, char prefix)
    {
        // Each source tag has one conversion (I-/S- to B-, E- to I-), so the tag alone is the key.
        if (Converted.TryGetValue(tag, out var done)) return done;
        var converted = prefix + tag[1..];
        // A small cache keeps one string per label instead of one per token; stop growing on odd data.
        return Converted.Count < 4096 ? Converted.GetOrAdd(tag, converted) : converted;
    }
}
