using System.Globalization;

namespace BertNer.Reports;

/// <summary>
/// One background colour per entity type, the same in every page BertNer writes. The usual NER types get
/// displaCy's colours, so pages look familiar; any other type gets a pastel hue derived from its name,
/// stable across runs and machines (not string.GetHashCode, which changes per process).
/// </summary>
public static class EntityColors
{
    private static readonly Dictionary<string, string> Known = new(StringComparer.OrdinalIgnoreCase)
    {
        ["PER"] = "#aa9cfc", ["PERSON"] = "#aa9cfc",
        ["ORG"] = "#7aecec",
        ["LOC"] = "#ff9561",
        ["GPE"] = "#feca74",
        ["MISC"] = "#bfeeb7",
        ["NORP"] = "#c887fb",
        ["FAC"] = "#9cc9cc",
        ["EVENT"] = "#ffeb80",
        ["PRODUCT"] = "#bfeeb7",
        ["WORK_OF_ART"] = "#f0d0ff",
        ["LAW"] = "#ff8197",
        ["LANGUAGE"] = "#ff8197",
        ["DATE"] = "#bfe1d9", ["TIME"] = "#bfe1d9",
        ["MONEY"] = "#e4e7d2", ["QUANTITY"] = "#e4e7d2", ["PERCENT"] = "#e4e7d2", ["ORDINAL"] = "#e4e7d2", ["CARDINAL"] = "#e4e7d2",
    };

    /// <summary>A CSS colour for <paramref name="type"/>; B-/I- prefixes (aggregation None) are ignored.</summary>
    public static string For(string type)
    {
        var bare = type.Length > 2 && type[1] == '-' && type[0] is 'B' or 'I' or 'E' or 'S' ? type[2..] : type;
        if (Known.TryGetValue(bare, out var colour)) return colour;
        // FNV-1a over the UTF-16 code units: deterministic everywhere.
        uint hash = 2166136261;
        foreach (var c in bare) hash = (hash ^ c) * 16777619;
        return string.Create(CultureInfo.InvariantCulture, $"hsl({hash % 360}, 70%, 78%)");
    }
}
