using System.Diagnostics;
using System.Text.Json;
using BertNer.Checkpoints;
using BertNer.Data;
using BertNer.Evaluation;
using BertNer.Features;
using BertNer.Hub;
using BertNer.IO;
using BertNer.Modeling;
using BertNer.Runtime;
using BertNer.Testing;
using TorchSharp;
using static TorchSharp.torch;

namespace BertNer.Training;

/// <summary>
/// Fine-tunes a token classifier with the HF Trainer's recipe: AdamW (no decay on biases/LayerNorm),
/// linear schedule, gradient clipping, dropout from the config, evaluation and a checkpoint per epoch.
/// Runs on the caller's thread; talks back through <see cref="TrainerEvents"/>; stops at the next step
/// when the token is cancelled, leaving a resumable checkpoint in last/.
/// </summary>
public sealed class Trainer
{
    public const string StateFile = "trainer_state.json";
    public const string OptimizerFile = "optimizer.safetensors";
    public const string RngFile = "rng_state.bin";
    public const string ConfigFile = "config.yaml";
    public const string MetricsFile = "metrics.jsonl";
    public const string LogFile = "train.log";

    private readonly TrainingOptions _o;
    private readonly TrainerEvents _events;
    private readonly Func<string, string> _resolveModel;
    private RunLog? _log;
    private ModelEvaluation? _epochEvaluation;
    private string _outDir = "", _lastDir = "";
    // Where last/ stands (epoch done, global step), for messages that must say which checkpoint is intact.
    private (int Epoch, int Step)? _lastCheckpoint;

    public Trainer(TrainingOptions options, TrainerEvents? events = null, Func<string, string>? resolveModel = null)
    {
        _o = options.Clone();
        _events = events ?? new TrainerEvents();
        _resolveModel = resolveModel ?? (m => ModelLocator.Resolve(m)); // folders as they are, hub ids through the cache
    }

    /// <param name="replace">Replace a run that <see cref="TrainingOptions.OutputPath"/> already holds (-Force); only the files a run writes are removed.</param>
    public NerTrainingRun Run(IReadOnlyList<NerSentence> train, IReadOnlyList<NerSentence>? validation, bool resume, CancellationToken ct = default, bool replace = false)
    {
        try { return RunCore(train, validation, resume, ct, replace); }
        catch (Exception e) when (LogFailure(e)) { throw; }
    }

    // An exception filter runs before the stack unwinds, so the run's log is still open: the error that ends a run is
    // in train.log too, not only on the console. Returns false: the exception goes on unchanged.
    private bool LogFailure(Exception e)
    {
        _log?.WriteLine("ERROR " + e.Message);
        return false;
    }

    private NerTrainingRun RunCore(IReadOnlyList<NerSentence> train, IReadOnlyList<NerSentence>? validation, bool resume, CancellationToken ct, bool replace)
    {
        _o.Validate();
        if (train.Count == 0)
            throw new BertNerException(BertNerErrorKind.InvalidArgument, "No training sentences: pipe NerSentence objects (Import-Conll train.txt | Start-BertNerTraining) or set train_path.", "InputObject");
        TorchRuntime.EnsureLoaded();
        var outDir = _outDir = Path.GetFullPath(_o.OutputPath);
        var lastDir = _lastDir = Path.Combine(outDir, "last");
        RecoverFolders(outDir);
        if (resume) { CheckResumable(outDir); PrepareOutput(outDir, replace: false); }
        else if (!replace && HoldsRun(outDir)) throw RunExists(outDir);
        if (!resume) CheckNothingForeign(outDir);
        var clock = Stopwatch.StartNew();

        // A resumed run's folder exists: log from the start. A new run creates nothing until its model has loaded,
        // so a failed start (a wrong -Model) leaves no half-made run folder behind; its lines wait in _pending.
        using var log = _log = resume ? new RunLog(Path.Combine(outDir, LogFile), Warn) : null;
        TrainingState state = resume ? LoadCheckpointState(lastDir) : new TrainingState();
        if (resume)
        {
            _lastCheckpoint = (state.Epoch - (state.EpochStep == 0 ? 1 : 0), state.GlobalStep);
            // A crash between saving last/ and writing metrics.jsonl leaves the file one epoch short: last/ is the truth.
            if (state.History.Count > 0) Persist(MetricsFile, () => WriteMetrics(outDir, state.History));
            int planned = PlannedSteps(train.Count);
            if (state.Epoch > _o.Epochs || state.GlobalStep >= planned)
            {
                // Nothing left to train with these settings: say so and how to go on, rather than "resume" into no steps.
                Warn(FinishedText(outDir, state, planned));
                return Result(state, state.Labels, clock, stopped: false);
            }
        }
        var labels = resume ? new LabelMap(state.Labels)
            : _o.Labels.Count > 0 ? new LabelMap(_o.Labels) : LabelMap.FromData(train);
        state.Labels = labels.Labels.ToList();
        _o.Labels = state.Labels;

        if (_o.Model is null && !resume)
            throw new BertNerException(BertNerErrorKind.InvalidArgument, "No model given: use -Model (a Hugging Face folder or hub id) or 'model:' in the YAML config.", "Model");
        var modelFolder = resume ? lastDir : _resolveModel(_o.Model!);
        Log(resume ? $"Resuming {outDir} at epoch {state.Epoch}, step {state.GlobalStep}." : $"Loading {modelFolder} with {labels.Count} labels: {string.Join(", ", labels.Labels)}");
        using var model = NerModel.Load(modelFolder, labels.Labels, _o.Device, _o.Seed);
        if (!resume)
        {
            PrepareOutput(outDir, replace);
            _log = new RunLog(Path.Combine(outDir, LogFile), Warn);
            foreach (var line in _pending) _log.WriteLine(line);
        }
        _pending.Clear();
        using var newLog = resume ? null : _log;
        foreach (var w in model.Warnings) Warn(w);
        var net = model.Classifier!;
        if (resume && model.Config.DocumentContext != _o.DocumentContext)
            throw new BertNerException(BertNerErrorKind.InvalidArgument,
                $"The run in '{outDir}' was trained with document_context {model.Config.DocumentContext}, not {_o.DocumentContext}; a run keeps the context it started with. Resume without -DocumentContext, or start a new run.",
                "DocumentContext");
        // Saved in every checkpoint's config.json: prediction reads sentences with the context training used.
        model.Config.DocumentContext = _o.DocumentContext;

        // Sentences that came as objects are recorded by path, so resume validates as before and the config re-runs.
        string dataNote = "";
        // A path that is gone now was the replaced run's own copy (-Force re-running its config): the sentences are in memory.
        if (_o.TrainPath is null || !File.Exists(_o.TrainPath)) (_o.TrainPath, dataNote) = RecordData(train, RunData.TrainFile, "train_path", "training");
        if ((_o.ValidationPath is null || !File.Exists(_o.ValidationPath)) && validation is { Count: > 0 })
        {
            var (path, note) = RecordData(validation, RunData.ValidationFile, "validation_path", "validation");
            _o.ValidationPath = path;
            dataNote += note;
        }
        var configPath = Path.Combine(outDir, ConfigFile);
        Persist(ConfigFile, () => TrainingConfigFile.Save(configPath, _o,
            $"BertNer training config, resolved for the run in {outDir}.{dataNote}\n" +
            $"Continue this run with: Start-BertNerTraining -Resume -OutputPath '{outDir}'\n" +
            $"Re-run it from scratch with: Start-BertNerTraining -ConfigPath '{configPath}' -OutputPath <another folder>"));

        int maxLen = Math.Min(_o.MaxLength, model.Config.MaxPositionEmbeddings);
        var encoder = new SentenceEncoder(model.Tokenizer, labels, _o.LabelAllSubtokens, maxLen, _o.DocumentContext);
        if (_o.DocumentContext > 0) Log($"Document context: up to {_o.DocumentContext} sub-tokens of the neighbouring sentences of the same document on each side.");
        var trainSet = encoder.EncodeAll(train);
        if (encoder.Truncated > 0) Warn($"{encoder.Truncated} training sentence(s) are longer than {maxLen} sub-tokens and were truncated.");
        var valEncoder = new SentenceEncoder(model.Tokenizer, labels, _o.LabelAllSubtokens, maxLen, _o.DocumentContext);
        var valSet = validation is { Count: > 0 } ? valEncoder.EncodeAll(validation) : null;
        if (valEncoder.Truncated > 0) Warn($"{valEncoder.Truncated} validation sentence(s) were truncated to {maxLen} sub-tokens; their cut-off words count as predicted O.");

        int stepsPerEpoch = BatchOrder.BatchesPerEpoch(trainSet.Count, _o.BatchSize);
        int totalSteps = _o.Epochs * stepsPerEpoch;
        if (_o.MaxSteps > 0) totalSteps = Math.Min(totalSteps, _o.MaxSteps);
        if (resume && state.TotalSteps != 0 && state.TotalSteps != totalSteps)
            Warn($"The run was planned for {state.TotalSteps} steps and now has {totalSteps}; the learning-rate schedule changes from here on.");
        state.TotalSteps = totalSteps;
        var schedule = new LinearSchedule(_o.LearningRate, totalSteps, (int)Math.Ceiling(_o.WarmupRatio * totalSteps));
        using var optimizer = new InPlaceAdamW(net.named_parameters(), _o.AdamBeta1, _o.AdamBeta2, _o.AdamEpsilon, _o.WeightDecay);
        var step = new TrainingStep(net, optimizer, schedule, _o.MaxGradNorm);

        if (resume)
        {
            var optState = SafeTensors.Load(Path.Combine(lastDir, OptimizerFile));
            try { optimizer.LoadStateDict(optState, Path.Combine(lastDir, OptimizerFile)); }
            finally { foreach (var t in optState.Values) t.Dispose(); }
            RestoreRng(Path.Combine(lastDir, RngFile));
        }
        else
        {
            manual_seed(_o.Seed);
        }

        var lengths = trainSet.Select(s => s.Length).ToArray();
        bool stopped = false;
        (NerEvaluation Words, EntityConfusion Confusion)? bestScores = null; // the best epoch's, for report.html
        net.train();
        while (state.Epoch <= _o.Epochs && state.GlobalStep < totalSteps)
        {
            var epochClock = Stopwatch.StartNew();
            int trimsBefore = step.Memory.Trims;
            var batches = BatchOrder.ForEpoch(lengths, _o.BatchSize, _o.Seed, state.Epoch, _o.GroupByLength);
            var window = Stopwatch.StartNew();
            long windowTokens = 0;
            int windowSteps = 0;
            var windowLosses = new List<Tensor>(); // one scalar per step since the last read-back
            Log($"Epoch {state.Epoch}/{_o.Epochs}: {batches.Count} steps of {_o.BatchSize} sentences" + (state.EpochStep > 0 ? $", continuing at step {state.EpochStep + 1}" : ""));
            while (state.EpochStep < batches.Count && state.GlobalStep < totalSteps)
            {
                if (ct.IsCancellationRequested) { stopped = true; break; }
                using var scope = NewDisposeScope();
                var items = batches[state.EpochStep].Select(i => trainSet[i]).ToList();
                using var batch = Batch.Collate(items, model.Tokenizer.PadId, model.Device);
                if (TorchThreads.Adapt() is { } threads) Log(threads);
                var loss = step.Run(batch, state.GlobalStep);
                state.GlobalStep++;
                state.EpochStep++;
                FaultHooks.AfterTrainingStep?.Invoke(state.GlobalStep, net);
                windowLosses.Add(loss.MoveToOuterDisposeScope());
                windowTokens += batch.RealTokens;
                windowSteps++;
                state.EpochRealTokens += batch.RealTokens;
                // Read the loss back (a host sync) only a few times a second, for progress and the log.
                if (window.Elapsed.TotalSeconds >= 1.0 || state.EpochStep == batches.Count || state.GlobalStep % _o.LoggingSteps == 0)
                {
                    double sum = ReadBack(windowLosses, state);
                    state.EpochLossSum += sum;
                    state.EpochLossSteps += windowSteps;
                    double tps = windowTokens / Math.Max(1e-9, window.Elapsed.TotalSeconds);
                    var elapsed = clock.Elapsed;
                    double secPerStep = window.Elapsed.TotalSeconds / windowSteps;
                    _events.Progress?.Invoke(new TrainingProgress("Training", state.Epoch, _o.Epochs, state.GlobalStep, totalSteps,
                        state.EpochStep, batches.Count, sum / windowSteps, tps, elapsed, TimeSpan.FromSeconds(secPerStep * (totalSteps - state.GlobalStep))));
                    if (state.GlobalStep % _o.LoggingSteps == 0)
                        Log($"step {state.GlobalStep}/{totalSteps} epoch {state.Epoch} loss {sum / windowSteps:F4} lr {schedule.At(state.GlobalStep):E3} {tps:F0} tokens/s");
                    window.Restart(); windowTokens = 0; windowSteps = 0;
                }
            }
            if (windowLosses.Count > 0)
            {
                state.EpochLossSum += ReadBack(windowLosses, state);
                state.EpochLossSteps += windowSteps;
            }
            state.EpochSeconds += epochClock.Elapsed.TotalSeconds;
            // How often the memory guard handed pages back: a count that climbs means steps pay for page faults (docs/design.md, 7.4).
            Log($"Epoch {state.Epoch}: memory handed back {step.Memory.Trims - trimsBefore} time(s) during its steps");
            if (stopped)
            {
                Log($"Stopped at step {state.GlobalStep} (epoch {state.Epoch}, step {state.EpochStep}); writing a resumable checkpoint.");
                EnsureFiniteWeights(net, state);
                Persist("last/", () => SaveLast(model, optimizer, state, lastDir));
                break;
            }
            // max_steps can end an epoch early: it stays open in last/, so resuming with a higher -MaxSteps finishes it.
            bool partial = state.EpochStep < batches.Count;
            var result = FinishEpoch(model, validation, valSet, state, ct);
            int earlier = state.History.FindIndex(h => h.Epoch == result.Epoch);
            if (earlier >= 0) state.History[earlier] = result; // the finished epoch replaces its partial row
            else state.History.Add(result);
            // When the partial row was the best, best/ follows the epoch's finished weights.
            bool improved = result.F1 is null || state.BestF1 is null || result.F1 > state.BestF1 || (earlier >= 0 && state.BestEpoch == result.Epoch);
            if (improved) { state.BestF1 = result.F1; state.BestEpoch = result.Epoch; }
            EnsureFiniteWeights(net, state);
            var epochDir = Path.Combine(outDir, $"epoch-{result.Epoch}");
            Persist($"epoch-{result.Epoch}/", () => model.Save(epochDir));
            if (improved) Persist("best/", () => model.Save(Path.Combine(outDir, "best")));
            if (!partial)
            {
                state.Epoch++;
                state.EpochStep = 0; state.EpochLossSum = 0; state.EpochLossSteps = 0; state.EpochRealTokens = 0; state.EpochSeconds = 0;
            }
            state.Finished = state.Epoch > _o.Epochs || state.GlobalStep >= totalSteps;
            Persist("last/", () => SaveLast(model, optimizer, state, lastDir));
            _lastCheckpoint = (result.Epoch, state.GlobalStep);
            Persist(MetricsFile, () => WriteMetrics(outDir, state.History));
            try // report.html is a convenience: failing to write it must never cost the run
            {
                if (improved) bestScores = _epochEvaluation is { } ev ? (ev.Words, EntityConfusion.Count(validation!, ev.WordPredictions)) : null;
                RunReport.Write(outDir, state.History, bestScores?.Words, bestScores?.Confusion, _o);
            }
            catch (Exception e) { Warn($"Could not write {RunReport.FileName} in '{outDir}' ({e.Message}); training goes on."); }
            _events.EpochCompleted?.Invoke(result);
        }
        Log(stopped ? $"Run stopped after {clock.Elapsed:hh\\:mm\\:ss}; continue with -Resume." : $"Run finished in {clock.Elapsed:hh\\:mm\\:ss}; best epoch {state.BestEpoch} (F1 {state.BestF1:F4}).");
        if (!stopped && LowF1Text(state, trainSet.Count) is { } hint) Warn(hint);
        return Result(state, labels.Labels, clock, stopped);
    }

    /// <returns>The path to read the sentences from again (null when they cannot be written), and a line for config.yaml's header.</returns>
    private (string? Path, string Note) RecordData(IReadOnlyList<NerSentence> sentences, string fileName, string key, string what)
    {
        try
        {
            var rec = Persist(fileName, () => RunData.Record(sentences, _outDir, fileName));
            return (rec.Path, rec.IsCopy ? $"\n{key} is a copy of the {sentences.Count} {what} sentences given as objects (a selection, not one whole CoNLL file)." : "");
        }
        catch (BertNerException e) when (e.Kind == BertNerErrorKind.InvalidData)
        {
            // Sentences CoNLL cannot hold (a token with a space) still train; only a later resume or re-run needs them piped again.
            Warn($"The {what} sentences could not be saved in the run folder ({e.Message}); to resume or re-run, pipe them in again.");
            return (null, $"\n{key} is empty: the {what} sentences came as objects that CoNLL cannot hold; pipe them in again to resume or re-run.");
        }
    }

    private NerTrainingRun Result(TrainingState state, IReadOnlyList<string> labels, Stopwatch clock, bool stopped) => new()
    {
        OutputPath = _outDir,
        BestEpoch = state.BestEpoch,
        BestF1 = state.BestF1,
        BestModelPath = Path.Combine(_outDir, "best"),
        LastModelPath = _lastDir,
        Epochs = state.History.ToList(),
        Config = _o.Clone(),
        Labels = labels,
        Steps = state.GlobalStep,
        Duration = clock.Elapsed,
        Stopped = stopped,
    };

    /// <summary>Best validation F1 below this after a finished run means the model has not learned the entities yet.</summary>
    public const double LowF1 = 0.05;

    // A run too short for its learning rate ends predicting O everywhere (F1 0): say so, with what usually works.
    private string? LowF1Text(TrainingState state, int sentences)
    {
        if (state.BestF1 is not { } f1 || f1 >= LowF1) return null;
        var lr = _o.LearningRate.ToString("G", System.Globalization.CultureInfo.InvariantCulture);
        var goOn = _o.MaxSteps > 0 && state.GlobalStep >= _o.MaxSteps ? $"-MaxSteps {2 * _o.MaxSteps}" : $"-Epochs {_o.Epochs + 1}";
        return $"Validation F1 is only {f1:F4} after {state.GlobalStep} optimizer step(s) on {sentences} sentences at learning rate {lr}: " +
               "most likely too few steps for that learning rate, so the model still predicts O almost everywhere. " +
               "Train longer or faster: more sentences or -Epochs, or a higher -LearningRate (the quickstart reaches a useful F1 with 2,000 sentences, 1 epoch, -LearningRate 5e-5); " +
               $"this run can go on with: Start-BertNerTraining -Resume -OutputPath '{_outDir}' {goOn}.";
    }

    private int PlannedSteps(int sentences)
    {
        int total = _o.Epochs * BatchOrder.BatchesPerEpoch(sentences, _o.BatchSize);
        return _o.MaxSteps > 0 ? Math.Min(total, _o.MaxSteps) : total;
    }

    private string FinishedText(string outDir, TrainingState state, int planned)
    {
        int epochsDone = state.History.Count;
        var stoppedBy = _o.MaxSteps > 0 && state.GlobalStep >= _o.MaxSteps && _o.MaxSteps == planned
            ? $"it reached max_steps {_o.MaxSteps} (step {state.GlobalStep}, {epochsDone} epoch(s) evaluated). To train further, resume with a higher -MaxSteps (or -MaxSteps 0 for all {_o.Epochs} epoch(s))"
            : $"all {_o.Epochs} epoch(s) are done (step {state.GlobalStep}). To train further, resume with a higher -Epochs, e.g. -Epochs {Math.Max(_o.Epochs, state.Epoch - 1) + 1}";
        return $"The run in '{outDir}' is already finished: {stoppedBy}; the learning-rate schedule is then stretched over the new length. Nothing was trained.";
    }

    /// <summary>True when <paramref name="outDir"/> holds a training run (a checkpoint or metrics written by one).</summary>
    public static bool HoldsRun(string outDir) =>
        Directory.Exists(Path.Combine(outDir, "last")) || File.Exists(Path.Combine(outDir, MetricsFile)) || WrittenByARun(Path.Combine(outDir, ConfigFile));

    // A run that stopped before its first checkpoint leaves only its config.yaml, whose header names the run.
    private static bool WrittenByARun(string configPath)
    {
        try
        {
            if (!File.Exists(configPath)) return false;
            using var reader = new StreamReader(configPath);
            return reader.ReadLine()?.StartsWith("# BertNer training config, resolved for the run in ", StringComparison.Ordinal) == true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }

    /// <summary>
    /// A new run into a folder that is not a run must not overwrite files it did not write: when the folder
    /// already has something by a run file's name (a user's own config.yaml, best/, ...), it is refused.
    /// </summary>
    private static void CheckNothingForeign(string outDir)
    {
        if (!Directory.Exists(outDir) || HoldsRun(outDir)) return;
        var clashes = RunNames(outDir).Select(Path.GetFileName).ToList();
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
        var full = Path.GetFullPath(outDir);
        if (!Directory.Exists(full))
            throw new BertNerException(BertNerErrorKind.ObjectNotFound,
                $"No training run at '{full}' to resume: the folder does not exist. Check -OutputPath (the run's folder, as given when it started), or start a new run without -Resume.", full);
        if (!File.Exists(Path.Combine(full, "last", StateFile)))
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
            if (File.Exists(Path.Combine(outDir, f))) yield return Path.Combine(outDir, f);
        foreach (var d in Directory.EnumerateDirectories(outDir))
        {
            var name = Path.GetFileName(d);
            if (name is "last" or "best" || (name.StartsWith("epoch-", StringComparison.Ordinal) && int.TryParse(name.AsSpan(6), out _)))
                yield return d;
        }
    }

    /// <summary>
    /// Reads the window's losses back (one host sync) and returns their sum, added in float32 in step order as before.
    /// A NaN or infinite loss stops the run naming the first step that had one; last/ is not touched.
    /// </summary>
    private double ReadBack(List<Tensor> losses, TrainingState state)
    {
        float[] values;
        using (var scope = NewDisposeScope()) values = stack(losses).cpu().data<float>().ToArray();
        foreach (var t in losses) t.Dispose();
        losses.Clear();
        int firstStep = state.GlobalStep - values.Length + 1;
        for (int i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i]))
                throw Diverged($"the training loss became {values[i]} at step {firstStep + i}", state);
        float sum = values[0];
        for (int i = 1; i < values.Length; i++) sum += values[i];
        return sum;
    }

    // A step can turn weights NaN while its own loss was finite (an infinite gradient); such weights never reach a checkpoint.
    private void EnsureFiniteWeights(nn.Module net, TrainingState state)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        foreach (var (name, p) in net.named_parameters())
            if (!p.isfinite().all().item<bool>())
                throw Diverged($"the weight '{name}' became NaN or infinite by step {state.GlobalStep}", state);
    }

    private BertNerException Diverged(string what, TrainingState state) =>
        new(BertNerErrorKind.InvalidData,
            $"Training stopped: {what} (epoch {state.Epoch}). {LastCheckpointText()} Continue with -Resume and a lower -LearningRate, or check the data.",
            "LearningRate");

    private string LastCheckpointText() => _lastCheckpoint is { } c
        ? $"The last complete checkpoint, '{_lastDir}' (epoch {c.Epoch}, step {c.Step}), is intact."
        : $"No checkpoint was written yet in '{_outDir}'.";

    /// <summary>Runs a write into the run folder; a full disk or refused access becomes a WriteError that says which checkpoint is intact.</summary>
    private void Persist(string what, Action write) => Persist<bool>(what, () => { write(); return true; });

    private T Persist<T>(string what, Func<T> write)
    {
        try { return write(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BertNerException(BertNerErrorKind.WriteError,
                $"Could not write {what} in '{_outDir}' ({e.Message}); training stopped. {LastCheckpointText()} " +
                "Free disk space (or make the folder writable) and continue with -Resume, or start again with another -OutputPath.",
                "OutputPath", e);
        }
    }

    /// <summary>last/trainer_state.json, after checking that last/ holds every file a resume reads.</summary>
    private static TrainingState LoadCheckpointState(string lastDir)
    {
        var missing = new[] { StateFile, OptimizerFile, RngFile, "config.json", StateDictFile.SafeTensorsName, "vocab.txt" }
            .Where(f => !File.Exists(Path.Combine(lastDir, f))).ToList();
        if (missing.Count > 0)
            throw new BertNerException(BertNerErrorKind.InvalidData,
                $"The checkpoint '{lastDir}' lacks {string.Join(", ", missing)}; it was not written by this version of BertNer or was changed by hand. " +
                "Restore the folder, or start the run again in another output folder.", lastDir);
        var path = Path.Combine(lastDir, StateFile);
        var state = TrainingState.Load(path);
        if (state.Epoch < 1 || state.EpochStep < 0 || state.GlobalStep < 0 || state.Labels.Count == 0
            || state.Labels.Distinct(StringComparer.Ordinal).Count() != state.Labels.Count || state.Labels.Any(string.IsNullOrEmpty))
            throw new BertNerException(BertNerErrorKind.InvalidData,
                $"'{path}' says epoch {state.Epoch}, step {state.EpochStep} of it, {state.GlobalStep} steps in all and the labels {TrainingOptionKey.Format(state.Labels)}; the checkpoint is damaged. " +
                "Restore the folder, or start the run again in another output folder.", path);
        return state;
    }

    private static void RestoreRng(string path)
    {
        var bytes = File.ReadAllBytes(path);
        using var current = get_rng_state();
        if (bytes.Length != current.numel())
            throw new BertNerException(BertNerErrorKind.InvalidData,
                $"'{path}' holds {bytes.Length} bytes, not the {current.numel()} of a random-number generator state; the checkpoint is damaged. " +
                "Restore the folder, or start the run again in another output folder.", path);
        using var rng = empty(bytes.Length, ScalarType.Byte);
        rng.bytes = bytes;
        set_rng_state(rng);
    }

    private NerEpochResult FinishEpoch(NerModel model, IReadOnlyList<NerSentence>? validation, List<EncodedSentence>? valSet, TrainingState state, CancellationToken ct)
    {
        double trainLoss = state.EpochLossSteps == 0 ? double.NaN : state.EpochLossSum / state.EpochLossSteps;
        double secs = Math.Max(1e-9, state.EpochSeconds);
        ModelEvaluation? eval = null;
        if (valSet != null)
        {
            var evalClock = Stopwatch.StartNew();
            eval = ModelEvaluator.Evaluate(model, validation!, valSet, _o.EvalBatchSize,
                done => _events.Progress?.Invoke(new TrainingProgress("Evaluating", state.Epoch, _o.Epochs, state.GlobalStep, state.TotalSteps,
                    done, valSet.Count, double.NaN, 0, evalClock.Elapsed, null)), CancellationToken.None);
            model.Classifier!.train();
            GlibcAllocator.Trim(); // validation's activations stayed in the heap (GlibcAllocator.HeapOnly); training does not reuse them
            Log($"Evaluated {valSet.Count} validation sentences in {evalClock.Elapsed.TotalSeconds:F1} s");
        }
        _epochEvaluation = eval;
        var r = new NerEpochResult
        {
            Epoch = state.Epoch,
            Step = state.GlobalStep,
            TrainingLoss = trainLoss,
            ValidationLoss = eval?.Loss,
            Precision = eval?.Words.Precision,
            Recall = eval?.Words.Recall,
            F1 = eval?.Words.F1,
            Accuracy = eval?.Words.Accuracy,
            SubTokenF1 = eval?.SubTokens.F1,
            Duration = TimeSpan.FromSeconds(secs),
            TokensPerSecond = state.EpochRealTokens / secs,
            StepsPerSecond = state.EpochLossSteps / secs,
        };
        Log($"Epoch {r.Epoch} step {r.Step}: training loss {r.TrainingLoss:F4}" + (eval is null ? "" :
            $", validation loss {r.ValidationLoss:F4}, precision {r.Precision:F4}, recall {r.Recall:F4}, F1 {r.F1:F4}, accuracy {r.Accuracy:F4}, sub-token F1 {r.SubTokenF1:F4}")
            + $" ({r.Duration.TotalSeconds:F0} s, {r.StepsPerSecond:F2} steps/s, {r.TokensPerSecond:F0} tokens/s)");
        return r;
    }

    // last/ holds everything -Resume needs; it is replaced atomically, so a crash leaves the previous one.
    private static void SaveLast(NerModel model, InPlaceAdamW optimizer, TrainingState state, string lastDir)
    {
        var parent = Path.GetDirectoryName(lastDir)!;
        var staging = Path.Combine(parent, $".last-staging-{Guid.NewGuid():N}");
        try
        {
            model.Save(staging);
            var optState = optimizer.StateDict();
            try { SafeTensors.Save(Path.Combine(staging, OptimizerFile), optState); }
            finally { optState["step"].Dispose(); } // the only tensor StateDict makes; the rest are live buffers
            using (var rng = get_rng_state())
                AtomicFile.Write(Path.Combine(staging, RngFile), fs => fs.Write(rng.bytes));
            state.Save(Path.Combine(staging, StateFile));
            AtomicFile.ReplaceFolder(staging, lastDir);
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, true);
        }
    }

    private static void WriteMetrics(string outDir, IEnumerable<NerEpochResult> history)
    {
        var opts = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
        var lines = history.Select(h => JsonSerializer.Serialize(new
        {
            h.Epoch, h.Step, h.TrainingLoss, h.ValidationLoss, h.Precision, h.Recall, h.F1, h.Accuracy, h.SubTokenF1,
            DurationSeconds = h.Duration.TotalSeconds, h.TokensPerSecond, h.StepsPerSecond,
        }, opts));
        AtomicFile.WriteAllText(Path.Combine(outDir, MetricsFile), string.Join("\n", lines) + "\n");
    }

    private BertNerException NotWritable(Exception e) => new(BertNerErrorKind.WriteError,
        $"Cannot write to the output folder '{_outDir}' ({e.Message}). Choose a writable -OutputPath with free space.", "OutputPath", e);

    // A crash between the two renames of a folder replacement leaves ".name.old" (last/, best/, epoch-N/): put each back.
    private void RecoverFolders(string outDir)
    {
        try
        {
            if (Directory.Exists(outDir))
                foreach (var old in Directory.EnumerateDirectories(outDir, ".*.old"))
                    AtomicFile.RecoverFolder(Path.Combine(outDir, Path.GetFileName(old)[1..^".old".Length]));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw NotWritable(e); }
    }

    private const string ReplacedPrefix = ".replaced-run-";

    /// <param name="replace">Remove the run already there (-Force): only what a run writes (<see cref="RunEntries"/>); other files stay.</param>
    private void PrepareOutput(string outDir, bool replace)
    {
        try
        {
            Directory.CreateDirectory(outDir);
            if (replace)
            {
                // Moved aside first (renames in one folder), then deleted: a crash leaves the old run whole or out of the way.
                var aside = Path.Combine(outDir, ReplacedPrefix + Guid.NewGuid().ToString("N"));
                var entries = RunEntries(outDir).ToList();
                Directory.CreateDirectory(aside);
                foreach (var e in entries)
                {
                    var to = Path.Combine(aside, Path.GetFileName(e));
                    if (Directory.Exists(e)) Directory.Move(e, to); else File.Move(e, to);
                }
                Directory.Delete(aside, true);
                if (entries.Count > 0) Log($"Replaced the run in {outDir} (-Force): removed {string.Join(", ", entries.Select(Path.GetFileName))}.");
            }
            // Leftovers of a write that a crash interrupted: never a complete checkpoint, safe to drop.
            foreach (var d in Directory.EnumerateDirectories(outDir, ".*"))
                if (d.EndsWith(".tmp", StringComparison.Ordinal) || Path.GetFileName(d).StartsWith(".last-staging-", StringComparison.Ordinal)
                    || Path.GetFileName(d).StartsWith(ReplacedPrefix, StringComparison.Ordinal))
                    Directory.Delete(d, true);
            foreach (var f in Directory.EnumerateFiles(outDir, ".*.tmp")) File.Delete(f);
            var probe = Path.Combine(outDir, $".write-probe-{Guid.NewGuid():N}.tmp");
            File.WriteAllBytes(probe, new byte[4096]);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw NotWritable(e); }
    }

    // Until a new run's folder is made (after its model loads) log lines wait here, then open train.log.
    private readonly List<string> _pending = new();

    private void Log(string line)
    {
        if (_log is null) _pending.Add(line); else _log.WriteLine(line);
        _events.Log?.Invoke(line);
    }

    private void Warn(string line)
    {
        if (_log is null) _pending.Add("WARNING " + line); else _log.WriteLine("WARNING " + line);
        _events.Warning?.Invoke(line);
    }
}
