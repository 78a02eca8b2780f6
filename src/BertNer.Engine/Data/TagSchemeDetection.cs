namespace BertNer.Data;

/// <summary>Which scheme a file's labels are read in, and the tag that decided it.</summary>
/// <param name="Declared">True when the caller named the scheme (nothing was detected).</param>
/// <param name="EvidenceTag">The first tag that decided the scheme (an S-/E- tag for BIOES, an entity-starting I- tag for IOB1).</param>
/// <param name="EvidenceLine">1-based line (or position) of <paramref name="EvidenceTag"/>; 0 when there is none.</param>
public sealed record TagSchemeDetection(TagSchemeKind Scheme, bool Declared, string? EvidenceTag = null, int EvidenceLine = 0)
{
    public override string ToString() => Declared
        ? $"{Scheme} (as declared)"
        : Scheme switch
        {
            TagSchemeKind.BIOES => $"BIOES (detected: {EvidenceTag} at line {EvidenceLine})",
            TagSchemeKind.IOB1 => $"IOB1 (detected: {EvidenceTag} starts an entity at line {EvidenceLine})",
            _ => "IOB2 (detected: no S-/E- tags and every entity starts with B-)",
        };
}
