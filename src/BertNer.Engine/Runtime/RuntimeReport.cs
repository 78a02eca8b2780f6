using TorchSharp;

namespace BertNer.Runtime;

/// <summary>What Get-BertNerRuntime shows: for each runtime this platform can use, the copy that would be loaded, or why there is none.</summary>
public static class RuntimeReport
{
    /// <param name="verify">Hash every installed file against the manifest (slower: reads every byte).</param>
    public static IReadOnlyList<RuntimeInfo> Describe(bool verify)
    {
        var list = new List<RuntimeInfo>();
        foreach (var kind in new[] { RuntimeKind.Torch, RuntimeKind.Onnx })
        {
            var candidates = NativeRuntime.Candidates(kind).ToList();
            bool any = false;
            foreach (var spec in candidates)
            {
                var notes = new List<string>();
                var found = RuntimeLocator.Find(spec, notes);
                var installed = Path.Combine(RuntimeLocator.RuntimeRoot, spec.FolderName);
                if (found is not null && verify && found.Location == RuntimeLocation.RuntimeFolder
                    && RuntimeLocator.CheckInstalled(spec, installed, hashAll: true, out var problem) is null)
                {
                    list.Add(RuntimeInfo.Missing(spec, $"damaged: {problem}; Install-BertNerRuntime reinstalls it", installed));
                    any = true;
                    continue;
                }
                if (found is null)
                {
                    if (notes.Count > 0) { list.Add(RuntimeInfo.Missing(spec, string.Join(" ", notes), Directory.Exists(installed) ? installed : null)); any = true; }
                    continue;
                }
                var inUse = NativeRuntime.InUse(kind) is { } active && active.Spec.FolderName == spec.FolderName;
                list.Add(RuntimeInfo.From(found, inUse, spec.Backend == RuntimeBackend.Cuda && inUse && torch.cuda.is_available()));
                any = true;
            }
            if (!any && candidates.Count > 0)
                list.Add(RuntimeInfo.Missing(candidates[^1], $"not installed; the first command that needs it installs it, or run Install-BertNerRuntime{(kind == RuntimeKind.Onnx ? " -Runtime Onnx" : "")}"));
        }
        return list;
    }
}
