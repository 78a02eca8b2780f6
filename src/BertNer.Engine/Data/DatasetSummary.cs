using System.Globalization;

namespace BertNer.Data;

/// <summary>
/// Counts of a NER dataset, gathered one sentence at a time (constant memory apart from the label and
/// document sets): sentences, tokens, documents, entities per type and the label set.
/// </summary>
/// <remarks>
/// Entities are counted as conlleval counts phrases (<see cref="EntitySpan.Find"/>). A document is a distinct
/// (source file, document index) pair. -DOCSTART- lines are not sentences and their tokens are not counted.
/// </remarks>
public sealed class DatasetSummary
{
    private readonly SortedDictionary<string, int> _entities = new(StringComparer.Ordinal);
    private readonly HashSet<string> _labels = new(StringComparer.Ordinal);
    private readonly HashSet<(string?, int)> _documents = new();
    private readonly List<string> _files = new();

    public int Sentences { get; private set; }

    public int Tokens { get; private set; }

    public int Documents => _documents.Count;

    /// <summary>Entities per type, types in ordinal order (LOC, MISC, ORG, PER for CoNLL-2003).</summary>
    public IReadOnlyDictionary<string, int> Entities => _entities;

    /// <summary>All entities of all types.</summary>
    public int EntityCount { get; private set; }

    /// <summary>The gold labels seen: O first, then by entity type, B- before I- (the order a classifier head uses).</summary>
    public string[] Labels => _labels
        .OrderBy(l => LabelOrder.Key(l).Group)
        .ThenBy(l => LabelOrder.Key(l).Type, StringComparer.Ordinal)
        .ThenBy(l => LabelOrder.Key(l).Prefix)
        .ThenBy(l => l, StringComparer.Ordinal)
        .ToArray();

    /// <summary>The source files, in the order their first sentence arrived.</summary>
    public IReadOnlyList<string> Files => _files;

    /// <summary>The entity counts as one line, e.g. "LOC 1,837, MISC 922, ORG 1,341, PER 1,842".</summary>
    public string EntitySummary => _entities.Count == 0
        ? "(none)"
        : string.Join(", ", _entities.Select(kv => kv.Key + " " + kv.Value.ToString("N0", CultureInfo.InvariantCulture)));

    public void Add(NerSentence sentence)
    {
        Sentences++;
        Tokens += sentence.Count;
        if (_documents.Add((sentence.SourceFile, sentence.DocumentIndex)) && sentence.SourceFile is { } file && !_files.Contains(file))
            _files.Add(file);
        foreach (var label in sentence.Labels) _labels.Add(label);
        foreach (var entity in EntitySpan.Find(sentence.Labels))
        {
            _entities[entity.Type] = _entities.GetValueOrDefault(entity.Type) + 1;
            EntityCount++;
        }
    }

    public static DatasetSummary Of(IEnumerable<NerSentence> sentences)
    {
        var summary = new DatasetSummary();
        foreach (var s in sentences) summary.Add(s);
        return summary;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Sentences:N0} sentences, {Tokens:N0} tokens, {Documents:N0} documents; entities: {EntitySummary}");

    private static class LabelOrder
    {
        // O, then tags grouped by type with B, I, E, S in that order, then anything else.
        public static (int Group, string Type, int Prefix) Key(string label)
        {
            if (label == TagScheme.Outside) return (0, "", 0);
            if (label.Length > 2 && label[1] == '-' && "BIES".IndexOf(label[0]) is var p and >= 0)
                return (1, label[2..], p);
            return (2, label, 0);
        }
    }
}
