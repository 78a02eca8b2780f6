using System.Text.Json.Nodes;
using BertNer.Checkpoints;
using BertNer.Hub;

namespace BertNer.Tests.Support;

/// <summary>Files of a real (tiny, random) BERT as the hub would serve them, and hub options for tests.</summary>
public static class HubTestModel
{
    private static readonly Lazy<IReadOnlyDictionary<string, byte[]>> Saved = new(() =>
    {
        using var dir = new TempDir();
        using var model = TinyModel.Create(dir["src"]);
        model.Save(dir["saved"]);
        return Directory.GetFiles(dir["saved"]).ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes);
    });

    /// <summary>config.json, vocab.txt, tokenizer_config.json, special_tokens_map.json and model.safetensors (LFS).</summary>
    public static Dictionary<string, byte[]> Files() => new(Saved.Value);

    /// <summary>The same model with its weights split over two safetensors shards and model.safetensors.index.json.</summary>
    public static Dictionary<string, byte[]> ShardedFiles()
    {
        var files = Files();
        files.Remove(StateDictFile.SafeTensorsName);
        using var dir = new TempDir();
        var whole = dir["whole.safetensors"];
        File.WriteAllBytes(whole, Saved.Value[StateDictFile.SafeTensorsName]);
        var tensors = SafeTensors.Load(whole);
        var names = tensors.Keys.OrderBy(k => k, StringComparer.Ordinal).ToList();
        var map = new JsonObject();
        for (int s = 0; s < 2; s++)
        {
            var shard = $"model-0000{s + 1}-of-00002.safetensors";
            var part = names.Where((_, i) => i % 2 == s).ToList();
            SafeTensors.Save(dir[shard], part.Select(n => KeyValuePair.Create(n, tensors[n])));
            files[shard] = File.ReadAllBytes(dir[shard]);
            foreach (var n in part) map[n] = shard;
        }
        foreach (var t in tensors.Values) t.Dispose();
        files["model.safetensors.index.json"] = IndexJson(map);
        return files;
    }

    public static byte[] IndexJson(JsonObject weightMap) =>
        System.Text.Encoding.UTF8.GetBytes(new JsonObject { ["metadata"] = new JsonObject { ["total_size"] = 0 }, ["weight_map"] = weightMap }.ToJsonString());

    /// <summary>Options that see no environment variable: this endpoint and cache, fast retries, short timeouts.</summary>
    public static HubOptions Options(string endpoint, string cache, string? token = null, int attempts = 3) => new(_ => null)
    {
        Endpoint = endpoint,
        CacheFolder = cache,
        Token = token,
        RequestTimeout = TimeSpan.FromSeconds(5),
        ReadTimeout = TimeSpan.FromSeconds(5),
        LockTimeout = TimeSpan.FromSeconds(20),
        Retry = new RetryPolicy { MaxAttempts = attempts, InitialDelay = TimeSpan.FromMilliseconds(10), MaxDelay = TimeSpan.FromMilliseconds(40) },
    };
}

/// <summary>Collects progress reports synchronously (Progress&lt;T&gt; would post them to the thread pool, out of order).</summary>
public sealed class ProgressLog : IProgress<HubDownloadProgress>
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<HubDownloadProgress> _reports = new();
    public IReadOnlyList<HubDownloadProgress> Reports => _reports.ToArray();
    public void Report(HubDownloadProgress value) => _reports.Enqueue(value);
}
