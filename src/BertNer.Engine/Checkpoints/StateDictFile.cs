using System.Collections;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace BertNer.Checkpoints;

/// <summary>Finds and reads a model folder's weights: model.safetensors first, else pytorch_model.bin.</summary>
public static class StateDictFile
{
    public const string SafeTensorsName = "model.safetensors";
    public const string PyTorchName = "pytorch_model.bin";

    public static string Locate(string folder)
    {
        var st = Path.Combine(folder, SafeTensorsName);
        if (File.Exists(st)) return st;
        var pt = Path.Combine(folder, PyTorchName);
        if (File.Exists(pt)) return pt;
        if (File.Exists(Path.Combine(folder, "model.safetensors.index.json")) || File.Exists(Path.Combine(folder, "pytorch_model.bin.index.json")))
            return Path.Combine(folder, File.Exists(Path.Combine(folder, "model.safetensors.index.json")) ? "model.safetensors.index.json" : "pytorch_model.bin.index.json");
        throw new BertNerException(BertNerErrorKind.ObjectNotFound,
            $"'{folder}' has no {SafeTensorsName} or {PyTorchName}. Point -Model at a Hugging Face model folder (or a BertNer run's best/ or last/ folder).", folder);
    }

    /// <summary>Reads all tensors on the CPU. pytorch_model.bin goes through PyBridge's restricted state-dict unpickler only.</summary>
    public static Dictionary<string, Tensor> Read(string path)
    {
        if (path.EndsWith(".index.json", StringComparison.OrdinalIgnoreCase)) return ReadSharded(path);
        if (path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase)) return SafeTensors.Load(path);
        Hashtable table;
        try { table = PyTorchUnpickler.UnpickleStateDict(path); }
        catch (Exception e) when (e is not BertNerException)
        {
            throw new BertNerException(BertNerErrorKind.InvalidData,
                $"'{path}' could not be read as a PyTorch state dict ({e.Message}). Only plain tensor state dicts are accepted; convert the model to model.safetensors.", path, e);
        }
        var d = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (DictionaryEntry e in table)
            if (e.Key is string k && e.Value is Tensor t) d[k] = t;
        return d;
    }

    private static Dictionary<string, Tensor> ReadSharded(string indexPath)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(indexPath))!;
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(indexPath));
        var map = json?["weight_map"] as System.Text.Json.Nodes.JsonObject
            ?? throw new BertNerException(BertNerErrorKind.InvalidData, $"'{indexPath}' has no weight_map.", indexPath);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var shard in map.Select(kv => kv.Value!.GetValue<string>()).Distinct())
        {
            var shardPath = Path.GetFullPath(Path.Combine(folder, shard));
            if (!shardPath.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                throw new BertNerException(BertNerErrorKind.InvalidData, $"'{indexPath}' names a shard outside its folder ('{shard}').", indexPath);
            foreach (var (k, t) in Read(shardPath)) result[k] = t;
        }
        return result;
    }
}
