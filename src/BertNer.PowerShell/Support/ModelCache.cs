using System.Collections.Concurrent;
using BertNer.Inference;
using BertNer.Modeling;
using BertNer.Onnx;
using BertNer.Runtime;

namespace BertNer.PowerShell.Support;

/// <summary>
/// Models loaded by path stay loaded for the session, so a loop of single Get-NerEntity calls does not
/// reload them. Shared by all runspaces of the process (ForEach-Object -Parallel): inference does not
/// change a model, and loading happens once per key. A changed weights file is loaded again.
/// </summary>
internal static class ModelCache
{
    private static readonly ConcurrentDictionary<string, Lazy<NerModel>> Models = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, Lazy<OnnxTokenClassifier>> OnnxModels = new(StringComparer.Ordinal);

    /// <summary>
    /// The model in <paramref name="folder"/> on the runtime <paramref name="backend"/> asks for: Auto takes ONNX
    /// Runtime for an export (model.onnx), libtorch otherwise. The ONNX path never touches libtorch.
    /// </summary>
    public static ITokenClassifier GetClassifier(string folder, string device, InferenceBackend backend)
    {
        var full = Path.GetFullPath(folder);
        if (RuntimeFor(full, backend) == RuntimeKind.Torch) return new TorchTokenClassifier(Get(full, device));
        if (string.Equals(device, "Cuda", StringComparison.OrdinalIgnoreCase))
            throw new BertNerException(BertNerErrorKind.InvalidArgument,
                $"'{full}' is an ONNX export, which BertNer runs with ONNX Runtime on the CPU. Leave -Device out (or use Cpu), or give the model's own folder (e.g. the run's best/) with -Backend Torch to use CUDA.", "Device");
        var model = Path.Combine(full, OnnxExporter.ModelFile);
        var stamp = File.Exists(model) ? File.GetLastWriteTimeUtc(model).Ticks.ToString() : "";
        return LoadOnce(OnnxModels, $"{full}|{stamp}", () => OnnxTokenClassifier.Load(full));
    }

    /// <summary>The native runtime <see cref="GetClassifier"/> will load for <paramref name="folder"/>.</summary>
    public static RuntimeKind RuntimeFor(string folder, InferenceBackend backend) =>
        backend == InferenceBackend.Onnx || (backend == InferenceBackend.Auto && OnnxTokenClassifier.IsExport(Path.GetFullPath(folder))) ? RuntimeKind.Onnx : RuntimeKind.Torch;

    public static NerModel Get(string folder, string device)
    {
        var full = Path.GetFullPath(folder);
        var weights = Directory.Exists(full) ? Directory.EnumerateFiles(full, "model.safetensors").Concat(Directory.EnumerateFiles(full, "pytorch_model.bin")).FirstOrDefault() : null;
        var stamp = weights is null ? "" : File.GetLastWriteTimeUtc(weights).Ticks.ToString();
        return LoadOnce(Models, $"{full}|{device.ToLowerInvariant()}|{stamp}", () => NerModel.Load(full, null, device));
    }

    // One load per key across runspaces; a failed load is not cached: the user may fix the folder and retry.
    private static T LoadOnce<T>(ConcurrentDictionary<string, Lazy<T>> cache, string key, Func<T> load)
    {
        var lazy = cache.GetOrAdd(key, _ => new Lazy<T>(load, LazyThreadSafetyMode.ExecutionAndPublication));
        try
        {
            return lazy.Value;
        }
        catch
        {
            cache.TryRemove(key, out _);
            throw;
        }
    }
}
