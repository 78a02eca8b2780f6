using System.Collections.Concurrent;
using BertNer.Modeling;

namespace BertNer.PowerShell.Support;

/// <summary>
/// Models loaded by path stay loaded for the session, so a loop of single Get-NerEntity calls does not
/// reload them. Shared by all runspaces of the process (ForEach-Object -Parallel): inference does not
/// change a model, and loading happens once per key. A changed weights file is loaded again.
/// </summary>
internal static class ModelCache
{
    private static readonly ConcurrentDictionary<string, Lazy<NerModel>> Models = new(StringComparer.Ordinal);

    public static NerModel Get(string folder, string device)
    {
        var full = Path.GetFullPath(folder);
        var weights = Directory.Exists(full) ? Directory.EnumerateFiles(full, "model.safetensors").Concat(Directory.EnumerateFiles(full, "pytorch_model.bin")).FirstOrDefault() : null;
        var stamp = weights is null ? "" : File.GetLastWriteTimeUtc(weights).Ticks.ToString();
        var key = $"{full}|{device.ToLowerInvariant()}|{stamp}";
        var lazy = Models.GetOrAdd(key, _ => new Lazy<NerModel>(() => NerModel.Load(full, null, device), LazyThreadSafetyMode.ExecutionAndPublication));
        try
        {
            return lazy.Value;
        }
        catch
        {
            Models.TryRemove(key, out _); // a failed load is not cached: the user may fix the folder and retry
            throw;
        }
    }
}
