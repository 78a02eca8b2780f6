using TorchSharp;
using static TorchSharp.torch;

namespace BertNer.Checkpoints;

/// <summary>What loading a checkpoint did, for the user: keys it had to initialise and keys it did not use.</summary>
public sealed record WeightLoadReport(IReadOnlyList<string> Initialized, IReadOnlyList<string> Unused);

/// <summary>
/// Copies a state dict into a module by HF key names, accepting checkpoints with or without the
/// <c>bert.</c> prefix and old TF-style <c>LayerNorm.gamma/beta</c>. Missing encoder weights and shape
/// mismatches are errors that name the key; a missing classifier head is left for the caller to initialise.
/// </summary>
public static class WeightLoader
{
    public static WeightLoadReport Load(nn.Module module, IReadOnlyDictionary<string, Tensor> source, string sourcePath,
        Func<string, bool> mayBeMissing)
    {
        var file = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (k, t) in source) file[Canonical(k)] = t;
        var used = new HashSet<string>(StringComparer.Ordinal);
        var initialized = new List<string>();
        var missing = new List<string>();

        using (no_grad())
        {
            foreach (var (name, target) in module.state_dict())
            {
                // Holds this entry's temporaries (the isfinite() below): a bare one could be finalized while
                // libtorch still reads it if another thread starts a garbage collection meanwhile.
                using var scope = NewDisposeScope();
                var key = Candidates(name).FirstOrDefault(file.ContainsKey);
                if (key is null)
                {
                    if (mayBeMissing(name)) initialized.Add(name); else missing.Add(name);
                    continue;
                }
                var t = file[key];
                if (!t.shape.SequenceEqual(target.shape))
                {
                    if (mayBeMissing(name)) { initialized.Add(name); used.Add(key); continue; }
                    throw new BertNerException(BertNerErrorKind.InvalidData,
                        $"'{sourcePath}': tensor '{key}' has shape [{string.Join(", ", t.shape)}] but the model (from config.json) expects [{string.Join(", ", target.shape)}] for '{name}'. config.json and the weights do not belong together.",
                        sourcePath);
                }
                if (t.dtype != target.dtype && !t.is_floating_point())
                    throw new BertNerException(BertNerErrorKind.InvalidData,
                        $"'{sourcePath}': tensor '{key}' has dtype {t.dtype}; expected a floating-point tensor.", sourcePath);
                var f = t.to(target.dtype);
                if (!f.isfinite().all().item<bool>())
                    throw new BertNerException(BertNerErrorKind.InvalidData,
                        $"'{sourcePath}': tensor '{key}' contains NaN or infinite values; the checkpoint is corrupt. Re-download it or use an earlier checkpoint.", sourcePath);
                target.copy_(f);
                used.Add(key);
            }
        }
        if (missing.Count > 0)
            throw new BertNerException(BertNerErrorKind.InvalidData,
                $"'{sourcePath}' lacks {missing.Count} weight(s) the model needs: {Summarize(missing)}. Is this a BERT checkpoint matching its config.json?",
                sourcePath);
        var unused = file.Keys.Where(k => !used.Contains(k) && !IsIgnorable(k)).OrderBy(k => k, StringComparer.Ordinal).ToList();
        return new WeightLoadReport(initialized, unused);
    }

    // HF ignores these silently: the pooler when the head does not use it, and the position_ids buffer.
    private static bool IsIgnorable(string k) =>
        k.EndsWith("position_ids", StringComparison.Ordinal) || k.StartsWith("pooler.", StringComparison.Ordinal) || k.StartsWith("bert.pooler.", StringComparison.Ordinal);

    private static string Canonical(string k) =>
        k.Contains("LayerNorm.", StringComparison.Ordinal)
            ? k.Replace("LayerNorm.gamma", "LayerNorm.weight", StringComparison.Ordinal).Replace("LayerNorm.beta", "LayerNorm.bias", StringComparison.Ordinal)
            : k;

    private static IEnumerable<string> Candidates(string name)
    {
        yield return name;
        if (name.StartsWith("bert.", StringComparison.Ordinal)) yield return name["bert.".Length..];
        else yield return "bert." + name;
    }

    public static string Summarize(IReadOnlyList<string> keys, int max = 6) =>
        keys.Count <= max ? string.Join(", ", keys) : string.Join(", ", keys.Take(max)) + $", … ({keys.Count - max} more)";
}
