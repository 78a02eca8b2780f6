using System.Diagnostics;
using System.Text.Json;
using BertNer.Checkpoints;
using BertNer.Data;
using BertNer.Evaluation;
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

    public NerTrainingRun Run(IReadOnlyList<NerSentence> train, IReadOnlyList<NerSentence>? validation, bool resume, CancellationToken ct = default)
    {
        _o.Validate();
        if (train.Count == 0)
            throw new BertNerException(BertNerErrorKind.InvalidArgument, "No training sentences: pipe NerSentence objects (Import-Conll train.txt | Start-BertNerTraining) or set train_path.", "InputObject");
        TorchRuntime.EnsureLoaded();
        var outDir = _outDir = Path.GetFullPath(_o.OutputPath);
        var lastDir = _lastDir = Path.Combine(outDir, "last");
        PrepareOutput(outDir, lastDir, resume);
        using var log = _log = new RunLog(Path.Combine(outDir, LogFile), Warn);
        var clock = Stopwatch.StartNew();

        TrainingState state = resume ? LoadCheckpointState(lastDir) : new TrainingState();
        if (resume)
        {
            _lastCheckpoint = (state.Epoch - (state.EpochStep == 0 ? 1 : 0), state.GlobalStep);
            // A crash between saving last/ and writing metrics.jsonl leaves the file one epoch short: last/ is the truth.
            if (state.History.Count > 0) Persist(MetricsFile, () => WriteMetrics(outDir, state.History));
        }
        if (resume && state.Finished && state.Epoch > _o.Epochs)
            Log($"Run in {outDir} already finished {state.History.Count} epoch(s); nothing to resume.");
        var labels = resume ? new LabelMap(state.Labels)
            : _o.Labels.Count > 0 ? new LabelMap(_o.Labels) : LabelMap.FromData(train);
        state.Labels = labels.Labels.ToList();
        _o.Labels = state.Labels;

        if (_o.Model is null && !resume)
            throw new BertNerException(BertNerErrorKind.InvalidArgument, "No model given: use -Model (a Hugging Face folder or hub id) or 'model:' in the YAML config.", "Model");
        var modelFolder = resume ? lastDir : _resolveModel(_o.Model!);
        Log(resume ? $"Resuming {outDir} at epoch {state.Epoch}, step {state.GlobalStep}." : $"Loading {modelFolder} with {labels.Count} labels: {string.Join(", ", labels.Labels)}");
        using var model = NerModel.Load(modelFolder, labels.Labels, _o.Device, _o.Seed);
        foreach (var w in model.Warnings) Warn(w);
        var net = model.Classifier!;

        Persist(ConfigFile, () => TrainingConfigFile.Save(Path.Combine(outDir, ConfigFile), _o, $"BertNer training config, resolved for the run in {outDir}.\nRe-run with: Start-BertNerTraining -ConfigPath {Path.Combine(outDir, ConfigFile)}"));

        int maxLen = Math.Min(_o.MaxLength, model.Config.MaxPositionEmbeddings);
        var encoder = new SentenceEncoder(model.Tokenizer, labels, _o.LabelAllSubtokens, maxLen);
        var trainSet = encoder.EncodeAll(train);
        if (encoder.Truncated > 0) Warn($"{encoder.Truncated} training sentence(s) are longer than {maxLen} sub-tokens and were truncated.");
        var valEncoder = new SentenceEncoder(model.Tokenizer, labels, _o.LabelAllSubtokens, maxLen);
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
            if (stopped)
            {
                Log($"Stopped at step {state.GlobalStep} (epoch {state.Epoch}, step {state.EpochStep}); writing a resumable checkpoint.");
                EnsureFiniteWeights(net, state);
                Persist("last/", () => SaveLast(model, optimizer, state, lastDir));
                break;
            }
            var result = FinishEpoch(model, validation, valSet, state, ct);
            state.History.Add(result);
            bool improved = result.F1 is null || state.BestF1 is null || result.F1 > state.BestF1;
            if (improved) { state.BestF1 = result.F1; state.BestEpoch = result.Epoch; }
            EnsureFiniteWeights(net, state);
            var epochDir = Path.Combine(outDir, $"epoch-{result.Epoch}");
            Persist($"epoch-{result.Epoch}/", () => model.Save(epochDir));
            if (improved) Persist("best/", () => model.Save(Path.Combine(outDir, "best")));
            state.Epoch++;
            state.EpochStep = 0; state.EpochLossSum = 0; state.EpochLossSteps = 0; state.EpochRealTokens = 0; state.EpochSeconds = 0;
            state.Finished = state.Epoch > _o.Epochs || state.GlobalStep >= totalSteps;
            Persist("last/", () => SaveLast(model, optimizer, state, lastDir));
            _lastCheckpoint = (result.Epoch, state.GlobalStep);
            Persist(MetricsFile, () => WriteMetrics(outDir, state.History));
            try // report.html is a convenience: failing to write it must never cost the run
            {
                if (improved) bestScores = _epochEvaluation is { } ev ? (ev.Words, EntityConfusion.Count(validation!, ev.WordPredictions)) : null;
                Reports.RunReport.Write(outDir, state.History, bestScores?.Words, bestScores?.Confusion, _o);
            }
            catch (Exception e) { Warn($"Could not write {Reports.RunReport.FileName} in '{outDir}' ({e.Message}); training goes on."); }
            _events.EpochCompleted?.Invoke(result);
        }
        Log(stopped ? $"Run stopped after {clock.Elapsed:hh\\:mm\\:ss}; continue with -Resume." : $"Run finished in {clock.Elapsed:hh\\:mm\\:ss}; best epoch {state.BestEpoch} (F1 {state.BestF1:F4}).");
        return new NerTrainingRun
        {
            OutputPath = outDir,
            BestEpoch = state.BestEpoch,
            BestF1 = state.BestF1,
            BestModelPath = Path.Combine(outDir, "best"),
            LastModelPath = lastDir,
            Epochs = state.History.ToList(),
            Config = _o.Clone(),
            Labels = labels.Labels,
            Steps = state.GlobalStep,
            Duration = clock.Elapsed,
            Stopped = stopped,
        };
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
    private void Persist(string what, Action write)
    {
        try { write(); }
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

    private void PrepareOutput(string outDir, string lastDir, bool resume)
    {
        BertNerException NotWritable(Exception e) => new(BertNerErrorKind.WriteError,
            $"Cannot write to the output folder '{outDir}' ({e.Message}). Choose a writable -OutputPath with free space.", "OutputPath", e);
        try
        {
            // A crash between the two renames of a folder replacement leaves ".name.old" (last/, best/, epoch-N/): put each back.
            if (Directory.Exists(outDir))
                foreach (var old in Directory.EnumerateDirectories(outDir, ".*.old"))
                    AtomicFile.RecoverFolder(Path.Combine(outDir, Path.GetFileName(old)[1..^".old".Length]));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw NotWritable(e); }
        if (resume)
        {
            if (!File.Exists(Path.Combine(lastDir, StateFile)))
                throw new BertNerException(BertNerErrorKind.ObjectNotFound,
                    $"Nothing to resume in '{outDir}': it has no last/{StateFile}. Start the run without -Resume.", outDir);
        }
        else if (Directory.Exists(lastDir) || File.Exists(Path.Combine(outDir, MetricsFile)))
        {
            throw new BertNerException(BertNerErrorKind.InvalidArgument,
                $"'{outDir}' already holds a training run. Use -Resume to continue it, or choose another -OutputPath.", "OutputPath");
        }
        try
        {
            Directory.CreateDirectory(outDir);
            // Leftovers of a write that a crash interrupted: never a complete checkpoint, safe to drop.
            foreach (var d in Directory.EnumerateDirectories(outDir, ".*"))
                if (d.EndsWith(".tmp", StringComparison.Ordinal) || Path.GetFileName(d).StartsWith(".last-staging-", StringComparison.Ordinal))
                    Directory.Delete(d, true);
            foreach (var f in Directory.EnumerateFiles(outDir, ".*.tmp")) File.Delete(f);
            var probe = Path.Combine(outDir, $".write-probe-{Guid.NewGuid():N}.tmp");
            File.WriteAllBytes(probe, new byte[4096]);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw NotWritable(e); }
    }

    private void Log(string line)
    {
        _log?.WriteLine(line);
        _events.Log?.Invoke(line);
    }

    private void Warn(string line)
    {
        _log?.WriteLine("WARNING " + line);
        _events.Warning?.Invoke(line);
    }
}
