using System.Text.Json;
using System.Text.Json.Nodes;

namespace BertNer.Hub;

/// <summary>
/// Which files make a BERT model usable by BertNer and in what order they are looked for: config.json and vocab.txt
/// (required), the tokenizer's settings (optional: a 404 is fine), and the weights, preferring what Transformers
/// prefers: model.safetensors, its sharded index, pytorch_model.bin, its sharded index, with every shard an index names.
/// </summary>
internal static class PretrainedFiles
{
    // The weights' names live here, the lowest layer that needs them; StateDictFile reads the same names.
    public const string SafeTensorsName = "model.safetensors";
    public const string PyTorchName = "pytorch_model.bin";

    public static readonly IReadOnlyList<string> Required = new[] { "config.json", "vocab.txt" };
    public static readonly IReadOnlyList<string> Optional = new[] { "tokenizer_config.json", "special_tokens_map.json", "tokenizer.json" };
    public static readonly IReadOnlyList<string> Weights = new[]
    {
        SafeTensorsName, SafeTensorsName + ".index.json",
        PyTorchName, PyTorchName + ".index.json",
    };

    public static async Task<SnapshotContents> CollectAsync(ISnapshotFileSource source, CancellationToken ct)
    {
        var contents = new SnapshotContents();
        foreach (var file in Required) await NeedAsync(source, file, contents, ct).ConfigureAwait(false);
        foreach (var file in Optional)
        {
            switch (await source.EnsureAsync(file, ct).ConfigureAwait(false))
            {
                case SnapshotFileState.Present: contents.Files.Add(file); break;
                case SnapshotFileState.Unknown: contents.Unknown.Add(file); break;
            }
        }

        // Weights already cached win: a snapshot holding pytorch_model.bin is not topped up with model.safetensors.
        var weights = Weights.FirstOrDefault(source.IsCached);
        if (weights is null)
        {
            foreach (var candidate in Weights)
            {
                if (await source.EnsureAsync(candidate, ct).ConfigureAwait(false) == SnapshotFileState.Present) { weights = candidate; break; }
            }
        }
        if (weights is null) return contents;
        contents.Weights = weights;
        contents.Files.Add(weights);
        if (weights.EndsWith(".index.json", StringComparison.Ordinal))
            foreach (var shard in ShardsOf(source.PathOf(weights)))
                await NeedAsync(source, shard, contents, ct).ConfigureAwait(false);
        return contents;
    }

    private static async Task NeedAsync(ISnapshotFileSource source, string file, SnapshotContents contents, CancellationToken ct)
    {
        switch (await source.EnsureAsync(file, ct).ConfigureAwait(false))
        {
            case SnapshotFileState.Present: contents.Files.Add(file); break;
            case SnapshotFileState.Absent: contents.Absent.Add(file); break;
            default: contents.Missing.Add(file); break;
        }
    }

    /// <summary>The distinct shard files a sharded index's weight_map names, each checked to stay inside the snapshot.</summary>
    public static IReadOnlyList<string> ShardsOf(string indexPath)
    {
        JsonObject? map;
        try { map = (StrictJson.Parse(File.ReadAllText(indexPath)) as JsonObject)?["weight_map"] as JsonObject; }
        catch (JsonException e)
        {
            throw new BertNerException(BertNerErrorKind.InvalidData, $"'{indexPath}' is not valid JSON ({e.Message}). Delete it from the cache and download again.", indexPath, e);
        }
        if (map is null || map.Count == 0)
            throw new BertNerException(BertNerErrorKind.InvalidData, $"'{indexPath}' has no weight_map naming the shard files.", indexPath);
        var shards = new List<string>();
        foreach (var (tensor, node) in map)
        {
            var shard = node is JsonValue v && v.TryGetValue<string>(out var s) ? s
                : throw new BertNerException(BertNerErrorKind.InvalidData, $"'{indexPath}': weight_map entry {MessageText.Quote(tensor)} is not a file name.", indexPath);
            if (RepoFileName.Problem(shard) is { } problem)
                throw new BertNerException(BertNerErrorKind.InvalidData,
                    $"'{indexPath}' names the shard {MessageText.Quote(shard)} for {MessageText.Quote(tensor)}, which is refused because {problem}: shard names must be plain relative file names inside the model.", indexPath);
            if (!shards.Contains(shard, StringComparer.Ordinal)) shards.Add(shard);
        }
        return shards;
    }
}
