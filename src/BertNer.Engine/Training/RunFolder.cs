using System.Text.Json;
using BertNer.Checkpoints;
using BertNer.IO;
using BertNer.Modeling;
using static TorchSharp.torch;

namespace BertNer.Training;

/// <summary>
/// The files of one training run's folder: config.yaml, train.log, metrics.jsonl, report.html, epoch-N/, best/ and
/// last/ (everything -Resume reads back). It decides whether a folder holds a run, claims a folder for a new run
/// without touching files a run did not write, replaces a run for -Force, and writes checkpoints atomically. Every
/// write goes through <see cref="Write"/>, which turns a full disk or refused access into an error that says which
/// checkpoint is still intact.
/// </summary>
public sealed class RunFolder
{
    public const string StateFile = "trainer_state.json";
    public const string OptimizerFile = "optimizer.safetensors";
    public const string RngFile = "rng_state.bin";
    public const string ConfigFile = "config.yaml";
    public const string MetricsFile = "metrics.jsonl";
    public const string LogFile = "train.log";

    private const string ReplacedPrefix = ".replaced-run-";

    public RunFolder(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        LastDir = System.IO.Path.Combine(Path, "last");
    }

    public string Path { get; }
    public string LastDir { get; }
    public string BestDir => System.IO.Path.Combine(Path, "best");
    public string EpochDir(int epoch) => System.IO.Path.Combine(Path, $"epoch-{epoch}");
    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Where last/ stands (epoch done, global step), for messages that must say which checkpoint is intact.</summary>
    public (int Epoch, int Step)? Checkpoint { get; set; }

    public string IntactCheckpointText() => Checkpoint is { } c
        ? $"The last complete checkpoint, '{LastDir}' (epoch {c.Epoch}, step {c.Step}), is intact."
        : $"No checkpoint was written yet in '{Path}'.";

    /// <summary>Runs a write into the folder; a full disk or refused access becomes a WriteError that says which checkpoint is intact.</summary>
    public void Write(string what, Action write) => Write<bool>(what, () => { write(); return true; });

    public T Write<T>(string what, Func<T> write)
    {
        try { return write(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BertNerException(BertNerErrorKind.WriteError,
                $"Could not write {what} in '{Path}' ({e.Message}); training stopped. {IntactCheckpointText()} " +
                "Free disk space (or make the folder writable) and continue with -Resume, or start again with another -OutputPath.",
                "OutputPath", e);
        }
    }

    // ---- Whether a folder holds a run, and what a run wrote there ----

    /// <summary>True when <paramref name="outDir"/> holds a training run (a checkpoint or metrics written by one).</summary>
    public static bool HoldsRun(string outDir) =>
        Directory.Exists(System.IO.Path.Combine(outDir, "last")) || System.IO.File.Exists(System.IO.Path.Combine(outDir, MetricsFile))
        || WrittenByARun(System.IO.Path.Combine(outDir, ConfigFile));

    // A run that stopped before its first checkpoint leaves only its config.yaml, whose header names the run.
    private static bool WrittenByARun(string configPath)
    {
        try
        {
            if (!System.IO.File.Exists(configPath)) return false;
            using var reader = new StreamReader(configPath);
            return reader.ReadLine()?.StartsWith("# BertNer training config, resolved for the run in ", StringComparison.Ordinal) == true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }

    /// <summary>
    /// A new run into a folder that is not a run must not overwrite files it did not write: when the folder
    /// already has something by a run file's name (a user's own config.yaml, best/, ...), it is refused.
    /// </summary>
    public static void CheckNothingForeign(string outDir)
    {
        if (!Directory.Exists(outDir) || HoldsRun(outDir)) return;
        var clashes = RunNames(outDir).Select(System.IO.Path.GetFileName).ToList();
        if (clashes.Count > 0)
            throw new BertNerException(BertNerErrorKind.InvalidArgument,
                $"'{outDir}' is not a training run (no metrics.jsonl, last/ or run config.yaml) but holds {string.Join(", ", clashes)}, which a run would write over. " +
                "BertNer never replaces files it did not write: choose another -OutputPath, or move those out of the folder.", "OutputPath");
    }

    /// <summary>The error for a new run into a folder that holds one (without -Force).</summary>
    public static BertNerException RunExists(string outDir) => new(BertNerErrorKind.InvalidArgument,
        $"'{outDir}' already holds a training run. Use -Resume to continue it, -Force to replace it, or choose another -OutputPath.", "OutputPath");

    /// <summary>Throws when <paramref name="outDir"/> has no run that -Resume could continue, saying what is there instead.</summary>
    public static void CheckResumable(string outDir)
    {
        var full = System.IO.Path.GetFullPath(outDir);
        if (!Directory.Exists(full))
            throw new BertNerException(BertNerErrorKind.ObjectNotFound,
                $"No training run at '{full}' to resume: the folder does not exist. Check -OutputPath (the run's folder, as given when it started), or start a new run without -Resume.", full);
        if (!System.IO.File.Exists(System.IO.Path.Combine(full, "last", StateFile)))
            throw new BertNerException(BertNerErrorKind.ObjectNotFound,
                $"Nothing to resume in '{full}': it has no last/{StateFile} (no epoch or stop was checkpointed there). Start the run without -Resume.", full);
    }

    /// <summary>What a run wrote into its folder, for -WhatIf and for -Force (which removes exactly these); nothing
    /// when the folder is not a run (<see cref="HoldsRun"/>), so -Force never removes a file a run did not write.</summary>
    public static IEnumerable<string> RunEntries(string outDir) => HoldsRun(outDir) ? RunNames(outDir) : Enumerable.Empty<string>();

    private static IEnumerable<string> RunNames(string outDir)
    {
        if (!Directory.Exists(outDir)) yield break;
        var files = new[] { ConfigFile, MetricsFile, LogFile, RunReport.FileName }.Concat(RunData.Files);
        foreach (var f in files)
            if (System.IO.File.Exists(System.IO.Path.Combine(outDir, f))) yield return System.IO.Path.Combine(outDir, f);
        foreach (var d in Directory.EnumerateDirectories(outDir))
        {
            var name = System.IO.Path.GetFileName(d);
            if (name is "last" or "best" || (name.StartsWith("epoch-", StringComparison.Ordinal) && int.TryParse(name.AsSpan(6), out _)))
                yield return d;
        }
    }

    // ---- Claiming the folder ----

    // A crash between the two renames of a folder replacement leaves ".name.old" (last/, best/, epoch-N/): put each back.
    public void Recover()
    {
        try
        {
            if (Directory.Exists(Path))
                foreach (var old in Directory.EnumerateDirectories(Path, ".*.old"))
                    AtomicFile.RecoverFolder(System.IO.Path.Combine(Path, System.IO.Path.GetFileName(old)[1..^".old".Length]));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw NotWritable(e); }
    }

    /// <summary>Creates the folder, drops what interrupted writes left, and checks that it takes a file.</summary>
    /// <param name="replace">Remove the run already there (-Force): only what a run writes (<see cref="RunEntries"/>); other files stay.</param>
    /// <param name="log">Told what a replacement removed.</param>
    public void Prepare(bool replace, Action<string> log)
    {
        try
        {
            Directory.CreateDirectory(Path);
            if (replace)
            {
                // Moved aside first (renames in one folder), then deleted: a crash leaves the old run whole or out of the way.
                var aside = System.IO.Path.Combine(Path, ReplacedPrefix + Guid.NewGuid().ToString("N"));
                var entries = RunEntries(Path).ToList();
                Directory.CreateDirectory(aside);
                foreach (var e in entries)
                {
                    var to = System.IO.Path.Combine(aside, System.IO.Path.GetFileName(e));
                    if (Directory.Exists(e)) Directory.Move(e, to); else System.IO.File.Move(e, to);
                }
                Directory.Delete(aside, true);
                if (entries.Count > 0) log($"Replaced the run in {Path} (-Force): removed {string.Join(", ", entries.Select(System.IO.Path.GetFileName))}.");
            }
            // Leftovers of a write that a crash interrupted: never a complete checkpoint, safe to drop.
            foreach (var d in Directory.EnumerateDirectories(Path, ".*"))
                if (d.EndsWith(".tmp", StringComparison.Ordinal) || System.IO.Path.GetFileName(d).StartsWith(".last-staging-", StringComparison.Ordinal)
                    || System.IO.Path.GetFileName(d).StartsWith(ReplacedPrefix, StringComparison.Ordinal))
                    Directory.Delete(d, true);
            foreach (var f in Directory.EnumerateFiles(Path, ".*.tmp")) System.IO.File.Delete(f);
            var probe = System.IO.Path.Combine(Path, $".write-probe-{Guid.NewGuid():N}.tmp");
            System.IO.File.WriteAllBytes(probe, new byte[4096]);
            System.IO.File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw NotWritable(e); }
    }

    private BertNerException NotWritable(Exception e) => new(BertNerErrorKind.WriteError,
        $"Cannot write to the output folder '{Path}' ({e.Message}). Choose a writable -OutputPath with free space.", "OutputPath", e);

    // ---- last/: what -Resume reads back ----

    /// <summary>last/trainer_state.json, after checking that last/ holds every file a resume reads; sets <see cref="Checkpoint"/>.</summary>
    public TrainingState LoadState()
    {
        var missing = new[] { StateFile, OptimizerFile, RngFile, "config.json", StateDictFile.SafeTensorsName, "vocab.txt" }
            .Where(f => !System.IO.File.Exists(System.IO.Path.Combine(LastDir, f))).ToList();
        if (missing.Count > 0)
            throw new BertNerException(BertNerErrorKind.InvalidData,
                $"The checkpoint '{LastDir}' lacks {string.Join(", ", missing)}; it was not written by this version of BertNer or was changed by hand. " +
                "Restore the folder, or start the run again in another output folder.", LastDir);
        var path = System.IO.Path.Combine(LastDir, StateFile);
        var state = TrainingState.Load(path);
        if (state.Epoch < 1 || state.EpochStep < 0 || state.GlobalStep < 0 || state.Labels.Count == 0
            || state.Labels.Distinct(StringComparer.Ordinal).Count() != state.Labels.Count || state.Labels.Any(string.IsNullOrEmpty))
            throw new BertNerException(BertNerErrorKind.InvalidData,
                $"'{path}' says epoch {state.Epoch}, step {state.EpochStep} of it, {state.GlobalStep} steps in all and the labels {TrainingOptionKey.Format(state.Labels)}; the checkpoint is damaged. " +
                "Restore the folder, or start the run again in another output folder.", path);
        Checkpoint = (state.Epoch - (state.EpochStep == 0 ? 1 : 0), state.GlobalStep);
        return state;
    }

    /// <summary>The optimizer's moments and the random-number generator as last/ saved them.</summary>
    public void RestoreOptimizerAndRng(InPlaceAdamW optimizer)
    {
        var optimizerPath = System.IO.Path.Combine(LastDir, OptimizerFile);
        var optState = SafeTensors.Load(optimizerPath);
        try { optimizer.LoadStateDict(optState, optimizerPath); }
        finally { foreach (var t in optState.Values) t.Dispose(); }

        var rngPath = System.IO.Path.Combine(LastDir, RngFile);
        var bytes = System.IO.File.ReadAllBytes(rngPath);
        using var current = get_rng_state();
        if (bytes.Length != current.numel())
            throw new BertNerException(BertNerErrorKind.InvalidData,
                $"'{rngPath}' holds {bytes.Length} bytes, not the {current.numel()} of a random-number generator state; the checkpoint is damaged. " +
                "Restore the folder, or start the run again in another output folder.", rngPath);
        using var rng = empty(bytes.Length, ScalarType.Byte);
        rng.bytes = bytes;
        set_rng_state(rng);
    }

    // last/ holds everything -Resume needs; it is replaced atomically, so a crash leaves the previous one.
    public void SaveLast(NerModel model, InPlaceAdamW optimizer, TrainingState state) => Write("last/", () =>
    {
        var staging = System.IO.Path.Combine(Path, $".last-staging-{Guid.NewGuid():N}");
        try
        {
            model.Save(staging);
            var optState = optimizer.StateDict();
            try { SafeTensors.Save(System.IO.Path.Combine(staging, OptimizerFile), optState); }
            finally { optState["step"].Dispose(); } // the only tensor StateDict makes; the rest are live buffers
            using (var rng = get_rng_state())
                AtomicFile.Write(System.IO.Path.Combine(staging, RngFile), fs => fs.Write(rng.bytes));
            state.Save(System.IO.Path.Combine(staging, StateFile));
            AtomicFile.ReplaceFolder(staging, LastDir);
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, true);
        }
    });

    public void WriteMetrics(IEnumerable<NerEpochResult> history) => Write(MetricsFile, () =>
    {
        var opts = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
        var lines = history.Select(h => JsonSerializer.Serialize(new
        {
            h.Epoch, h.Step, h.TrainingLoss, h.ValidationLoss, h.Precision, h.Recall, h.F1, h.Accuracy, h.SubTokenF1,
            DurationSeconds = h.Duration.TotalSeconds, h.TokensPerSecond, h.StepsPerSecond,
        }, opts));
        AtomicFile.WriteAllText(System.IO.Path.Combine(Path, MetricsFile), string.Join("\n", lines) + "\n");
    });
}
