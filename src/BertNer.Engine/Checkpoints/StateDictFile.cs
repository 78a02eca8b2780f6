using System.Collections;
using BertNer.Hub;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace BertNer.Checkpoints;

/// <summary>Finds and reads a model folder's weights: model.safetensors first, else pytorch_model.bin.</summary>
public static class StateDictFile
{
    public const string SafeTensorsName = PretrainedFiles.SafeTensorsName;
    public const string PyTorchName = PretrainedFiles.PyTorchName;

    public static string Locate(string folder)
    {
        var st = Path.Combine(folder, SafeTensorsName);
        if (File.Exists(st)) return st;
        var pt = Path.Combine(folder, PyTorchName);
        if (File.Exists(pt)) return pt;
        if (File.Exists(Path.Combine(folder, "model.safetensors.index.json")) || File.Exists(Path.Combine(folder, "pytorch_model.bin.index.json")))
            return Path.Combine(folder, File.Exists(Path.Combine(folder, "model.safetensors.index.json")) ? "model.safetensors.index.json" : "pytorch_model.bin.index.json");
        // An ONNX export has a model but no weights file (the file name is OnnxExporter.ModelFile; Onnx is a layer above).
        if (File.Exists(Path.Combine(folder, "model.onnx")))
            throw new BertNerException(BertNerErrorKind.InvalidArgument,
                $"'{folder}' is an ONNX export (model.onnx, no {SafeTensorsName}): Get-NerEntity and Measure-BertNerModel run it as it is with -Model '{folder}'. " +
                "Loading a model for libtorch (Import-BertNerModel, training, a new export) needs the folder it was exported from, e.g. the run's best/.", folder);
        throw new BertNerException(BertNerErrorKind.ObjectNotFound,
            $"'{folder}' has no {SafeTensorsName} or {PyTorchName}. Point -Model at a Hugging Face model folder (or a BertNer run's best/ or last/ folder).", folder);
    }

    /// <summary>Reads all tensors on the CPU. pytorch_model.bin goes through PyBridge's restricted state-dict unpickler only.</summary>
    public static Dictionary<string, Tensor> Read(string path) =>
        path.EndsWith(".index.json", StringComparison.OrdinalIgnoreCase) ? ReadSharded(path) : ReadWeightsFile(path);

    /// <summary>One model.safetensors or pytorch_model.bin (never an index: shards cannot name further indexes).</summary>
    private static Dictionary<string, Tensor> ReadWeightsFile(string path)
    {
        if (path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase)) return SafeTensors.Load(path);
        if (!File.Exists(path))
            throw new BertNerException(BertNerErrorKind.ObjectNotFound, $"No weights file at '{path}'.", path);
        // The unpickler's temporaries stay in this scope until it ends, so none is finalized while libtorch
        // still uses it; the state dict's own tensors are detached and returned.
        using var scope = NewDisposeScope();
        Hashtable table;
        try { table = PyTorchUnpickler.UnpickleStateDict(path); }
        catch (Exception e) when (e is not BertNerException)
        {
            throw new BertNerException(BertNerErrorKind.InvalidData,
                $"'{path}' could not be read as a PyTorch state dict ({e.Message}). Only plain tensor state dicts are accepted; convert the model to model.safetensors.", path, e);
        }
        var d = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (DictionaryEntry e in table)
            if (e.Key is string k && e.Value is Tensor t) d[k] = t.DetachFromDisposeScope();
        return d;
    }

    /// <summary>
    /// Every shard a sharded index names. Shard names are checked as hub names are (relative, no '..', inside the
    /// folder) and must be weights files: an index naming itself or another index would recurse until the process dies.
    /// </summary>
    private static Dictionary<string, Tensor> ReadSharded(string indexPath)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(indexPath))!;
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var shard in PretrainedFiles.ShardsOf(indexPath))
            {
                if (!(shard.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase) || shard.EndsWith(".bin", StringComparison.OrdinalIgnoreCase)))
                    throw new BertNerException(BertNerErrorKind.InvalidData,
                        $"'{indexPath}' names the shard {MessageText.Quote(shard)}, which is not a weights file (.safetensors or .bin). Re-download the model.", indexPath);
                var shardPath = RepoFileName.Join(folder, shard);
                if (!File.Exists(shardPath))
                    throw new BertNerException(BertNerErrorKind.ObjectNotFound,
                        $"'{indexPath}' names the shard {MessageText.Quote(shard)}, but '{shardPath}' does not exist. Re-download the model (all its shards).", shardPath);
                foreach (var (k, t) in ReadWeightsFile(shardPath))
                {
                    if (result.Remove(k, out var earlier)) earlier.Dispose();
                    result[k] = t;
                }
            }
        }
        catch
        {
            foreach (var t in result.Values) t.Dispose();
            throw;
        }
        return result;
    }
}
