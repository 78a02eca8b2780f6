namespace BertNer.Data;

/// <summary>How entity labels are written in a CoNLL file. Everything is converted to IOB2 on reading.</summary>
public enum TagSchemeKind
{
    /// <summary>Decide per file from its tags: see <see cref="TagSchemeDetector"/>.</summary>
    Auto,
    /// <summary>B- only where an entity directly follows one of the same type (the original CoNLL-2003 files).</summary>
    IOB1,
    /// <summary>B- starts every entity, I- continues it.</summary>
    IOB2,
    /// <summary>B- begins, I- continues, E- ends a multi-token entity; S- is a single-token entity.</summary>
    BIOES,
}
