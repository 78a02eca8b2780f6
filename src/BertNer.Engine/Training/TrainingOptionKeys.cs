using System.Globalization;

namespace BertNer.Training;

/// <summary>
/// The YAML keys of <see cref="TrainingOptions"/>: name, type, what is allowed, a comment for the
/// generated config file. One table drives parsing, validation, the defaults file and the saved config.
/// </summary>
public sealed class TrainingOptionKey
{
    public required string Name { get; init; }
    public required string Comment { get; init; }
    public required Type Type { get; init; }
    public required Func<TrainingOptions, object?> Get { get; init; }
    public required Action<TrainingOptions, object?> Set { get; init; }
    /// <summary>Returns null when the value is allowed, else a description of what is allowed.</summary>
    public Func<object?, string?> Allowed { get; init; } = _ => null;
    public string? AllowedText { get; init; }

    public void Check(TrainingOptions o, string source)
    {
        var v = Get(o);
        var why = Allowed(v);
        if (why != null)
            throw new BertNerException(BertNerErrorKind.InvalidArgument,
                $"{source}: '{Name}' is {Format(v)}; allowed: {why}.", $"{source}:{Name}");
    }

    public static string Format(object? v) => v switch
    {
        null => "null",
        string s => MessageText.Quote(s),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        IEnumerable<string> l => List(l.ToList()),
        _ => Convert.ToString(v, CultureInfo.InvariantCulture) ?? "",
    };

    private static string List(IReadOnlyList<string> l)
    {
        var shown = string.Join(", ", l.Take(12).Select(x => MessageText.Shorten(x, 40)));
        return "[" + shown + (l.Count > 12 ? $", … ({l.Count} labels)" : "") + "]";
    }
}

public static class TrainingOptionKeys
{
    private static Func<object?, string?> IntRange(int min, int max) =>
        v => v is int i && i >= min && i <= max ? null : $"a whole number from {min} to {max}";

    private static Func<object?, string?> DoubleRange(double min, double max, bool minExclusive = false) =>
        v => v is double d && double.IsFinite(d) && (minExclusive ? d > min : d >= min) && d <= max
            ? null
            : $"a number {(minExclusive ? "greater than" : "from")} {min.ToString(CultureInfo.InvariantCulture)} {(minExclusive ? "and up to" : "to")} {max.ToString(CultureInfo.InvariantCulture)}";

    private static Func<object?, string?> OneOf(params string[] values) =>
        v => v is string s && values.Contains(s, StringComparer.OrdinalIgnoreCase) ? null : "one of " + string.Join(", ", values);

    private static readonly Func<object?, string?> NonEmptyOrNull = v => v is null || (v is string s && s.Trim().Length > 0) ? null : "a non-empty path";

    public static readonly IReadOnlyList<TrainingOptionKey> All = new List<TrainingOptionKey>
    {
        new() { Name = "model", Type = typeof(string), Comment = "pretrained model: a Hugging Face folder, a hub id (bert-base-cased) or a run's best/ folder",
            Get = o => o.Model, Set = (o, v) => o.Model = (string?)v, Allowed = NonEmptyOrNull },
        new() { Name = "train_path", Type = typeof(string), Comment = "CoNLL training file (optional when sentences come from the pipeline)",
            Get = o => o.TrainPath, Set = (o, v) => o.TrainPath = (string?)v, Allowed = NonEmptyOrNull },
        new() { Name = "validation_path", Type = typeof(string), Comment = "CoNLL validation file, evaluated after every epoch (optional)",
            Get = o => o.ValidationPath, Set = (o, v) => o.ValidationPath = (string?)v, Allowed = NonEmptyOrNull },
        new() { Name = "output_path", Type = typeof(string), Comment = "run folder: checkpoints (epoch-N/, best/, last/), metrics.jsonl, train.log, report.html",
            Get = o => o.OutputPath, Set = (o, v) => o.OutputPath = (string)v!, Allowed = v => v is string s && s.Trim().Length > 0 ? null : "a non-empty path" },
        new() { Name = "device", Type = typeof(string), Comment = "auto (CUDA when available), cpu or cuda",
            Get = o => o.Device, Set = (o, v) => o.Device = (string)v!, Allowed = OneOf("Auto", "Cpu", "Cuda") },
        new() { Name = "epochs", Type = typeof(int), Comment = "passes over the training data",
            Get = o => o.Epochs, Set = (o, v) => o.Epochs = (int)v!, Allowed = IntRange(1, 1000) },
        new() { Name = "learning_rate", Type = typeof(double), Comment = "peak AdamW learning rate, decayed linearly to 0",
            Get = o => o.LearningRate, Set = (o, v) => o.LearningRate = (double)v!, Allowed = DoubleRange(0, 1, minExclusive: true) },
        new() { Name = "batch_size", Type = typeof(int), Comment = "training sentences per optimizer step",
            Get = o => o.BatchSize, Set = (o, v) => o.BatchSize = (int)v!, Allowed = IntRange(1, 4096) },
        new() { Name = "eval_batch_size", Type = typeof(int), Comment = "sentences per batch when evaluating (F1 does not depend on it; the loss is HF's mean of batch means)",
            Get = o => o.EvalBatchSize, Set = (o, v) => o.EvalBatchSize = (int)v!, Allowed = IntRange(1, 4096) },
        new() { Name = "seed", Type = typeof(int), Comment = "seeds head initialisation, data order and dropout",
            Get = o => o.Seed, Set = (o, v) => o.Seed = (int)v!, Allowed = IntRange(0, int.MaxValue) },
        new() { Name = "weight_decay", Type = typeof(double), Comment = "AdamW weight decay (not applied to biases and LayerNorm weights)",
            Get = o => o.WeightDecay, Set = (o, v) => o.WeightDecay = (double)v!, Allowed = DoubleRange(0, 1) },
        new() { Name = "adam_beta1", Type = typeof(double), Comment = "AdamW beta1",
            Get = o => o.AdamBeta1, Set = (o, v) => o.AdamBeta1 = (double)v!, Allowed = DoubleRange(0, 0.999999) },
        new() { Name = "adam_beta2", Type = typeof(double), Comment = "AdamW beta2",
            Get = o => o.AdamBeta2, Set = (o, v) => o.AdamBeta2 = (double)v!, Allowed = DoubleRange(0, 0.999999999) },
        new() { Name = "adam_epsilon", Type = typeof(double), Comment = "AdamW epsilon",
            Get = o => o.AdamEpsilon, Set = (o, v) => o.AdamEpsilon = (double)v!, Allowed = DoubleRange(0, 1, minExclusive: true) },
        new() { Name = "warmup_ratio", Type = typeof(double), Comment = "fraction of steps with linear warm-up before the linear decay (0 = none)",
            Get = o => o.WarmupRatio, Set = (o, v) => o.WarmupRatio = (double)v!, Allowed = DoubleRange(0, 1) },
        new() { Name = "max_grad_norm", Type = typeof(double), Comment = "clip the global gradient norm to this (0 = no clipping)",
            Get = o => o.MaxGradNorm, Set = (o, v) => o.MaxGradNorm = (double)v!, Allowed = DoubleRange(0, 1e6) },
        new() { Name = "label_all_subtokens", Type = typeof(bool), Comment = "true: every sub-token is labelled (continuations of B-X get I-X); false: first sub-token only",
            Get = o => o.LabelAllSubtokens, Set = (o, v) => o.LabelAllSubtokens = (bool)v! },
        new() { Name = "group_by_length", Type = typeof(bool), Comment = "batch sentences of similar length together (less padding, faster; slightly different batches)",
            Get = o => o.GroupByLength, Set = (o, v) => o.GroupByLength = (bool)v! },
        new() { Name = "max_length", Type = typeof(int), Comment = "longest input in sub-tokens incl. [CLS]/[SEP]; longer sentences are truncated with a warning",
            Get = o => o.MaxLength, Set = (o, v) => o.MaxLength = (int)v!, Allowed = IntRange(8, 65536) },
        new() { Name = "document_context", Type = typeof(int), Comment = "sub-tokens of the neighbouring sentences of the same document read on each side of a sentence (0 = each sentence alone; below max_length)",
            Get = o => o.DocumentContext, Set = (o, v) => o.DocumentContext = (int)v!, Allowed = IntRange(0, 65535) },
        new() { Name = "max_steps", Type = typeof(int), Comment = "stop after this many optimizer steps in total (0 = run all epochs)",
            Get = o => o.MaxSteps, Set = (o, v) => o.MaxSteps = (int)v!, Allowed = IntRange(0, int.MaxValue) },
        new() { Name = "logging_steps", Type = typeof(int), Comment = "write a log line every this many steps",
            Get = o => o.LoggingSteps, Set = (o, v) => o.LoggingSteps = (int)v!, Allowed = IntRange(1, int.MaxValue) },
        new() { Name = "labels", Type = typeof(List<string>), Comment = "IOB2 label list; empty = taken from the training data (O, then B-/I- per type)",
            Get = o => o.Labels, Set = (o, v) => o.Labels = (List<string>)v!,
            Allowed = v => v is List<string> l && l.All(x => x == "O" || ((x.StartsWith("B-") || x.StartsWith("I-")) && x.Length > 2)) && l.Distinct().Count() == l.Count
                ? null : "distinct labels, each O, B-TYPE or I-TYPE" },
    };

    public static TrainingOptionKey? Find(string name) => All.FirstOrDefault(k => k.Name == name);

    /// <summary>The known key closest to a typo (edit distance), if any is close enough to suggest.</summary>
    public static string? Nearest(string name)
    {
        var best = All.Select(k => (k.Name, D: Levenshtein(name.ToLowerInvariant(), k.Name))).OrderBy(x => x.D).First();
        return best.D <= Math.Max(2, best.Name.Length / 3) ? best.Name : null;
    }

    private static int Levenshtein(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
            for (int j = 1; j <= b.Length; j++)
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
        return d[a.Length, b.Length];
    }
}
