using BertNer.Data;

namespace BertNer.Features;

/// <summary>The label list of a model (id = index) and the id of each label's inside (I-) form.</summary>
public sealed class LabelMap
{
    private readonly Dictionary<string, int> _ids;
    private readonly int[] _continuation;

    public IReadOnlyList<string> Labels { get; }

    public LabelMap(IReadOnlyList<string> labels)
    {
        Labels = labels.ToArray();
        _ids = Labels.Select((l, i) => (l, i)).ToDictionary(x => x.l, x => x.i, StringComparer.Ordinal);
        // A word's later sub-tokens continue its entity: B-X → I-X (HF course: label += 1 for odd B- ids).
        _continuation = Labels.Select((l, i) => l.StartsWith("B-", StringComparison.Ordinal) && _ids.TryGetValue("I-" + l[2..], out var j) ? j : i).ToArray();
    }

    public int Count => Labels.Count;
    public int this[string label] => _ids[label];
    public bool Contains(string label) => _ids.ContainsKey(label);
    public int ContinuationOf(int id) => _continuation[id];

    /// <summary>O first, then B-/I- for each entity type in alphabetical order.</summary>
    public static LabelMap FromData(IEnumerable<NerSentence> sentences)
    {
        var types = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var s in sentences)
            foreach (var l in s.Labels)
                if (l.Length > 2 && l[1] == '-') types.Add(l[2..]);
        var labels = new List<string> { "O" };
        foreach (var t in types) { labels.Add("B-" + t); labels.Add("I-" + t); }
        return new LabelMap(labels);
    }
}
