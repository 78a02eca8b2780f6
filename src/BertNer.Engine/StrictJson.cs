using System.Text.Json;
using System.Text.Json.Nodes;

namespace BertNer;

/// <summary>
/// Parses JSON for files whose keys must mean one thing (config.json, a safetensors header, a shard index).
/// <see cref="JsonNode.Parse(string, JsonNodeOptions?, JsonDocumentOptions)"/> accepts a key twice and then throws
/// ArgumentException on first use, and a lone surrogate escape ("\ud800") throws InvalidOperationException when read;
/// here both are a <see cref="JsonException"/> naming the place, thrown at parse time, so callers turn them into their
/// usual "not valid JSON" error.
/// </summary>
internal static class StrictJson
{
    public static JsonNode? Parse(ReadOnlySpan<byte> utf8, JsonDocumentOptions options = default)
    {
        using var doc = JsonDocument.Parse(utf8.ToArray(), options);
        CheckUniqueKeys(doc.RootElement, "$");
        return ToNode(doc.RootElement, options);
    }

    public static JsonNode? Parse(string json, JsonDocumentOptions options = default)
    {
        using var doc = JsonDocument.Parse(json, options);
        CheckUniqueKeys(doc.RootElement, "$");
        return ToNode(doc.RootElement, options);
    }

    private static JsonNode? ToNode(JsonElement root, JsonDocumentOptions options) =>
        root.ValueKind == JsonValueKind.Null ? null : JsonNode.Parse(root.GetRawText(), documentOptions: options);

    // Depth is bounded by JsonDocumentOptions.MaxDepth (64 by default), so the recursion is too.
    private static void CheckUniqueKeys(JsonElement e, string where)
    {
        if (e.ValueKind == JsonValueKind.Object)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var p in e.EnumerateObject())
            {
                var name = Decoded(() => p.Name, $"a key in the object at {where}");
                if (!seen.Add(name))
                    throw new JsonException($"The key {MessageText.Quote(name)} appears twice in the object at {where}; every key must appear once.");
                CheckUniqueKeys(p.Value, $"{where}.{name}");
            }
        }
        else if (e.ValueKind == JsonValueKind.String)
        {
            Decoded(e.GetString, $"the string at {where}");
        }
        else if (e.ValueKind == JsonValueKind.Array)
        {
            int i = 0;
            foreach (var item in e.EnumerateArray()) CheckUniqueKeys(item, $"{where}[{i++}]");
        }
    }

    // "\ud800" is valid JSON text but no Unicode string: System.Text.Json throws InvalidOperationException on reading it.
    private static string Decoded(Func<string?> read, string what)
    {
        try { return read() ?? ""; }
        catch (InvalidOperationException e)
        {
            throw new JsonException($"{char.ToUpperInvariant(what[0])}{what[1..]} is not valid Unicode (a lone surrogate escape such as \\ud800): {e.Message}");
        }
    }
}
