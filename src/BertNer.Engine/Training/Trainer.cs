using System.Diagnostics;
using System.Text.Json;
using BertNer.Checkpoints;
using BertNer.Data;
using BertNer.Evaluation;
using BertNer.Modeling;
using BertNer.Runtime;
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
    private StreamWriter? _log;
    private ModelEvaluation? _epochEvaluation;

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
        var outDir = Path.GetFullPath(_o.OutputPath);
        var lastDir = Path.Combine(outDir, "last");
        PrepareOutput(outDir, lastDir, resume);
        using var log = _log = new StreamWriter(new FileStream(Path.Combine(outDir, LogFile), FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
        var clock = Stopwatch.StartNew();

        TrainingState state = resume ? TrainingState.Load(Path.Combine(lastDir, StateFile)) : new TrainingState();
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

        TrainingConfigFile.Save(Path.Combine(outDir, ConfigFile), _o, $"BertNer training config, resolved for the run in {outDir}.\nRe-run with: Start-BertNerTraining -ConfigPath {Path.Combine(outDir, ConfigFile)}");

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
            optimizer.LoadStateDict(optState, Path.Combine(lastDir, OptimizerFile));
            foreach (var t in optState.Values) t.Dispose();
            using var rng = empty(new FileInfo(Path.Combine(lastDir, RngFile)).Length, ScalarType.Byte);
            rng.bytes = File.ReadAllBytes(Path.Combine(lastDir, RngFile));
            set_rng_state(rng);
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
            Tensor? windowLoss = null;
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
                windowLoss = windowLoss is null ? loss.MoveToOuterDisposeScope() : AddInto(windowLoss, loss);
                windowTokens += batch.RealTokens;
                windowSteps++;
                state.EpochRealTokens += batch.RealTokens;
                // Read the loss back (a host sync) only a few times a second, for progress and the log.
                if (window.Elapsed.TotalSeconds >= 1.0 || state.EpochStep == batches.Count || state.GlobalStep % _o.LoggingSteps == 0)
                {
                    double sum = windowLoss.item<float>();
                    windowLoss.Dispose(); windowLoss = null;
                    if (!double.IsFinite(sum))
                        throw new BertNerException(BertNerErrorKind.InvalidData,
                            $"The training loss became {sum} at step {state.GlobalStep}; training stopped. The last good checkpoint is in '{lastDir}'. Lower the learning rate or check the data.",
                            "LearningRate");
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
            if (windowLoss is not null)
            {
                state.EpochLossSum += windowLoss.item<float>();
                state.EpochLossSteps += windowSteps;
                windowLoss.Dispose();
            }
            state.EpochSeconds += epochClock.Elapsed.TotalSeconds;
            if (stopped)
            {
                Log($"Stopped at step {state.GlobalStep} (epoch {state.Epoch}, step {state.EpochStep}); writing a resumable checkpoint.");
                SaveLast(model, optimizer, state, lastDir);
                break;
            }
            var result = FinishEpoch(model, validation, valSet, state, ct);
            state.History.Add(result);
            bool improved = result.F1 is null || state.BestF1 is null || result.F1 > state.BestF1;
            if (improved) { state.BestF1 = result.F1; state.BestEpoch = result.Epoch; }
            var epochDir = Path.Combine(outDir, $"epoch-{result.Epoch}");
            model.Save(epochDir);
            if (improved) model.Save(Path.Combine(outDir, "best"));
            state.Epoch++;
            state.EpochStep = 0; state.EpochLossSum = 0; state.EpochLossSteps = 0; state.EpochRealTokens = 0; state.EpochSeconds = 0;
            state.Finished = state.Epoch > _o.Epochs || state.GlobalStep >= totalSteps;
            SaveLast(model, optimizer, state, lastDir);
            WriteMetrics(outDir, state.History);
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

    private static Tensor AddInto(Tensor acc, Tensor x)
    {
        acc.add_(x);
        return acc;
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
        AtomicFile.RecoverFolder(lastDir);
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
            var probe = Path.Combine(outDir, $".write-probe-{Guid.NewGuid():N}");
            File.WriteAllBytes(probe, new byte[4096]);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BertNerException(BertNerErrorKind.WriteError,
                $"Cannot write to the output folder '{outDir}' ({e.Message}). Choose a writable -OutputPath with free space.", "OutputPath", e);
        }
    }

    private void Log(string line)
    {
        _log?.WriteLine($"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ssZ} {line}");
        _events.Log?.Invoke(line);
    }

    private void Warn(string line)
    {
        _log?.WriteLine($"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ssZ} WARNING {line}");
        _events.Warning?.Invoke(line);
    }
}
