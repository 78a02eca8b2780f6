using BertNer.Inference;

namespace BertNer.Reports;

/// <summary>One input text with the entities found in it (sorted by position), as an entity page shows it.</summary>
/// <param name="InputIndex">The entities' InputIndex (or the position in the list of texts), when known.</param>
public sealed record AnnotatedText(string Text, IReadOnlyList<NerEntity> Entities, int? InputIndex)
{
    /// <summary>
    /// Puts entities back together with their texts. Entities belong to the same text when they have the same
    /// InputIndex and Input (so the output of several calls, each counting from 0, stays apart); exact duplicates
    /// (the same text tagged twice) are shown once. Texts come in InputIndex order, then in order of arrival.
    /// </summary>
    /// <param name="texts">
    /// Every input, including those without entities (which entities alone cannot show). Text i takes the
    /// entities with InputIndex i and that Input, or else the first unclaimed group with that Input; groups that
    /// match no text come after the texts.
    /// </param>
    public static List<AnnotatedText> Group(IEnumerable<NerEntity> entities, IReadOnlyList<string?>? texts = null)
    {
        var groups = new List<(int Index, string Input, List<NerEntity> Entities)>();
        var byKey = new Dictionary<(int, string), int>();
        foreach (var e in entities)
        {
            if (!byKey.TryGetValue((e.InputIndex, e.Input), out var g))
            {
                byKey[(e.InputIndex, e.Input)] = g = groups.Count;
                groups.Add((e.InputIndex, e.Input, new List<NerEntity>()));
            }
            groups[g].Entities.Add(e);
        }
        var ordered = groups.Select((g, arrival) => (g, arrival)).OrderBy(x => x.g.Index).ThenBy(x => x.arrival)
            .Select(x => new AnnotatedText(x.g.Input, Sorted(x.g.Entities), x.g.Index)).ToList();
        if (texts is null) return ordered;

        var result = new List<AnnotatedText>(texts.Count);
        var unclaimed = new List<AnnotatedText>(ordered);
        for (int i = 0; i < texts.Count; i++)
        {
            var text = texts[i] ?? "";
            var match = unclaimed.FirstOrDefault(a => a.InputIndex == i && a.Text == text) ?? unclaimed.FirstOrDefault(a => a.Text == text);
            if (match is not null) unclaimed.Remove(match);
            result.Add(new AnnotatedText(text, match?.Entities ?? Array.Empty<NerEntity>(), i));
        }
        result.AddRange(unclaimed);
        return result;
    }

    private static List<NerEntity> Sorted(List<NerEntity> entities) =>
        entities.DistinctBy(e => (e.Start, e.End, e.Type)).OrderBy(e => e.Start).ThenBy(e => e.End).ToList();
}
