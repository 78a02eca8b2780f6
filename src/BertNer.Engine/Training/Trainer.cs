using System.Diagnostics;
using BertNer.Data;
using BertNer.Evaluation;
using BertNer.Features;
using BertNer.Hub;
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
    private readonly TrainingOptions _o;
    private readonly TrainerEvents _events;
    private readonly Func<string, string> _resolveModel;
    private RunLog? _log;
    private ModelEvaluation? _epochEvaluation;
    private RunFolder _folder = null!;

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
        var folder = _folder = new RunFolder(_o.OutputPath);
        folder.Recover();
        if (resume) { RunFolder.CheckResumable(folder.Path); folder.Prepare(replace: false, Log); }
        else if (!replace && RunFolder.HoldsRun(folder.Path)) throw RunFolder.RunExists(folder.Path);
        if (!resume) RunFolder.CheckNothingForeign(folder.Path);
        var clock = Stopwatch.StartNew();

        // A resumed run's folder exists: log from the start. A new run creates nothing until its model has loaded,
        // so a failed start (a wrong -Model) leaves no half-made run folder behind; its lines wait in _pending.
        using var log = _log = resume ? new RunLog(folder.File(RunFolder.LogFile), Warn) : null;
        TrainingState state = resume ? folder.LoadState() : new TrainingState();
        if (resume)
        {
            // A crash between saving last/ and writing metrics.jsonl leaves the file one epoch short: last/ is the truth.
            if (state.History.Count > 0) folder.WriteMetrics(state.History);
            int planned = PlannedSteps(train.Count);
            if (state.Epoch > _o.Epochs || state.GlobalStep >= planned)
            {
                // Nothing left to train with these settings: say so and how to go on, rather than "resume" into no steps.
                Warn(FinishedText(folder.Path, state, planned));
                return Result(state, state.Labels, clock, stopped: false);
            }
        }
        var labels = resume ? new LabelMap(state.Labels)
            : _o.Labels.Count > 0 ? new LabelMap(_o.Labels) : LabelMap.FromData(train);
        state.Labels = labels.Labels.ToList();
        _o.Labels = state.Labels;

        using var model = LoadModel(labels, state, resume, replace);
        using var newLog = resume ? null : _log;
        SaveConfig(train, validation);
        var (trainSet, valSet) = Encode(model, labels, train, validation);

        int stepsPerEpoch = BatchOrder.BatchesPerEpoch(trainSet.Count, _o.BatchSize);
        int totalSteps = _o.Epochs * stepsPerEpoch;
        if (_o.MaxSteps > 0) totalSteps = Math.Min(totalSteps, _o.MaxSteps);
        if (resume && state.TotalSteps != 0 && state.TotalSteps != totalSteps)
            Warn($"The run was planned for {state.TotalSteps} steps and now has {totalSteps}; the learning-rate schedule changes from here on.");
        state.TotalSteps = totalSteps;
        var net = model.Classifier!;
        var schedule = new LinearSchedule(_o.LearningRate, totalSteps, (int)Math.Ceiling(_o.WarmupRatio * totalSteps));
        using var optimizer = new InPlaceAdamW(net.named_parameters(), _o.AdamBeta1, _o.AdamBeta2, _o.AdamEpsilon, _o.WeightDecay);
        var step = new TrainingStep(net, optimizer, schedule, _o.MaxGradNorm);
        if (resume) folder.RestoreOptimizerAndRng(optimizer);
        else manual_seed(_o.Seed);

        var loop = new EpochLoop(model, step, schedule, trainSet, totalSteps, clock);
        var lengths = trainSet.Select(s => s.Length).ToArray();
        bool stopped = false;
        net.train();
        while (state.Epoch <= _o.Epochs && state.GlobalStep < totalSteps)
        {
            var batches = BatchOrder.ForEpoch(lengths, _o.BatchSize, _o.Seed, state.Epoch, _o.GroupByLength);
            stopped = TrainEpoch(loop, batches, state, ct);
            if (stopped)
            {
                Log($"Stopped at step {state.GlobalStep} (epoch {state.Epoch}, step {state.EpochStep}); writing a resumable checkpoint.");
                EnsureFiniteWeights(net, state);
                folder.SaveLast(model, optimizer, state);
                break;
            }
            // max_steps can end an epoch early: it stays open in last/, so resuming with a higher -MaxSteps finishes it.
            bool partial = state.EpochStep < batches.Count;
            var result = FinishEpoch(model, validation, valSet, state, step.Memory);
            bool improved = Record(result, state);
            EnsureFiniteWeights(net, state);
            folder.Write($"epoch-{result.Epoch}/", () => model.Save(folder.EpochDir(result.Epoch)));
            if (improved) folder.Write("best/", () => model.Save(folder.BestDir));
            if (!partial) state.StartNextEpoch();
            state.Finished = state.Epoch > _o.Epochs || state.GlobalStep >= totalSteps;
            folder.SaveLast(model, optimizer, state);
            folder.Checkpoint = (result.Epoch, state.GlobalStep);
            folder.WriteMetrics(state.History);
            WriteReport(state, improved, validation);
            _events.EpochCompleted?.Invoke(result);
        }
        Log(stopped ? $"Run stopped after {clock.Elapsed:hh\\:mm\\:ss}; continue with -Resume." : $"Run finished in {clock.Elapsed:hh\\:mm\\:ss}; best epoch {state.BestEpoch} (F1 {state.BestF1:F4}).");
        if (!stopped && LowF1Text(state, trainSet.Count) is { } hint) Warn(hint);
        return Result(state, labels.Labels, clock, stopped);
    }

    /// <summary>What every step of the run shares: the model, the step, the schedule and the encoded training set.</summary>
    private sealed record EpochLoop(NerModel Model, TrainingStep Step, LinearSchedule Schedule, List<EncodedSentence> TrainSet, int TotalSteps, Stopwatch Clock);

    /// <summary>Trains the epoch's remaining batches; true when Ctrl+C stopped it. Reads the loss back a few times a second for progress and the log.</summary>
    private bool TrainEpoch(EpochLoop loop, IReadOnlyList<int[]> batches, TrainingState state, CancellationToken ct)
    {
        var epochClock = Stopwatch.StartNew();
        int trimsBefore = loop.Step.Memory.Trims;
        var window = Stopwatch.StartNew();
        long windowTokens = 0;
        int windowSteps = 0;
        var windowLosses = new List<Tensor>(); // one scalar per step since the last read-back
        bool stopped = false;
        Log($"Epoch {state.Epoch}/{_o.Epochs}: {batches.Count} steps of {_o.BatchSize} sentences" + (state.EpochStep > 0 ? $", continuing at step {state.EpochStep + 1}" : ""));
        while (state.EpochStep < batches.Count && state.GlobalStep < loop.TotalSteps)
        {
            if (ct.IsCancellationRequested) { stopped = true; break; }
            using var scope = NewDisposeScope();
            var items = batches[state.EpochStep].Select(i => loop.TrainSet[i]).ToList();
            using var batch = Batch.Collate(items, loop.Model.Tokenizer.PadId, loop.Model.Device);
            if (TorchThreads.Adapt() is { } threads) Log(threads);
            var loss = loop.Step.Run(batch, state.GlobalStep);
            state.GlobalStep++;
            state.EpochStep++;
            FaultHooks.AfterTrainingStep?.Invoke(state.GlobalStep, loop.Model.Classifier!);
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
                double secPerStep = window.Elapsed.TotalSeconds / windowSteps;
                _events.Progress?.Invoke(new TrainingProgress("Training", state.Epoch, _o.Epochs, state.GlobalStep, loop.TotalSteps,
                    state.EpochStep, batches.Count, sum / windowSteps, tps, loop.Clock.Elapsed, TimeSpan.FromSeconds(secPerStep * (loop.TotalSteps - state.GlobalStep))));
                if (state.GlobalStep % _o.LoggingSteps == 0)
                    Log($"step {state.GlobalStep}/{loop.TotalSteps} epoch {state.Epoch} loss {sum / windowSteps:F4} lr {loop.Schedule.At(state.GlobalStep):E3} {tps:F0} tokens/s");
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
        Log($"Epoch {state.Epoch}: memory handed back {loop.Step.Memory.Trims - trimsBefore} time(s) during its steps");
        return stopped;
    }

    /// <summary>Adds the epoch's row to the history (replacing its partial row) and returns whether it is the best so far.</summary>
    private static bool Record(NerEpochResult result, TrainingState state)
    {
        int earlier = state.History.FindIndex(h => h.Epoch == result.Epoch);
        if (earlier >= 0) state.History[earlier] = result; // the finished epoch replaces its partial row
        else state.History.Add(result);
        // When the partial row was the best, best/ follows the epoch's finished weights.
        bool improved = result.F1 is null || state.BestF1 is null || result.F1 > state.BestF1 || (earlier >= 0 && state.BestEpoch == result.Epoch);
        if (improved) { state.BestF1 = result.F1; state.BestEpoch = result.Epoch; }
        return improved;
    }

    // The best epoch's scores and entity confusion, for report.html.
    private (NerEvaluation Words, EntityConfusion Confusion)? _bestScores;

    // report.html is a convenience: failing to write it (or to count its confusion matrix) must never cost the run.
    private void WriteReport(TrainingState state, bool improved, IReadOnlyList<NerSentence>? validation)
    {
        try
        {
            if (improved) _bestScores = _epochEvaluation is { } ev ? (ev.Words, EntityConfusion.Count(validation!, ev.WordPredictions)) : null;
            RunReport.Write(_folder.Path, state.History, _bestScores?.Words, _bestScores?.Confusion, _o);
        }
        catch (Exception e) { Warn($"Could not write {RunReport.FileName} in '{_folder.Path}' ({e.Message}); training goes on."); }
    }

    /// <summary>The model to train (last/ when resuming). A new run's folder is made only once the model has loaded; then train.log opens with the lines that waited.</summary>
    private NerModel LoadModel(LabelMap labels, TrainingState state, bool resume, bool replace)
    {
        if (_o.Model is null && !resume)
            throw new BertNerException(BertNerErrorKind.InvalidArgument, "No model given: use -Model (a Hugging Face folder or hub id) or 'model:' in the YAML config.", "Model");
        var modelFolder = resume ? _folder.LastDir : _resolveModel(_o.Model!);
        Log(resume ? $"Resuming {_folder.Path} at epoch {state.Epoch}, step {state.GlobalStep}." : $"Loading {modelFolder} with {labels.Count} labels: {string.Join(", ", labels.Labels)}");
        var model = NerModel.Load(modelFolder, labels.Labels, _o.Device, _o.Seed);
        try
        {
            if (!resume)
            {
                _folder.Prepare(replace, Log);
                _log = new RunLog(_folder.File(RunFolder.LogFile), Warn);
                foreach (var line in _pending) _log.WriteLine(line);
            }
            _pending.Clear();
            foreach (var w in model.Warnings) Warn(w);
            if (resume && model.Config.DocumentContext != _o.DocumentContext)
                throw new BertNerException(BertNerErrorKind.InvalidArgument,
                    $"The run in '{_folder.Path}' was trained with document_context {model.Config.DocumentContext}, not {_o.DocumentContext}; a run keeps the context it started with. Resume without -DocumentContext, or start a new run.",
                    "DocumentContext");
            // Saved in every checkpoint's config.json: prediction reads sentences with the context training used.
            model.Config.DocumentContext = _o.DocumentContext;
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>config.yaml, resolved: sentences that came as objects are recorded by path, so resume validates as before and the config re-runs.</summary>
    private void SaveConfig(IReadOnlyList<NerSentence> train, IReadOnlyList<NerSentence>? validation)
    {
        string dataNote = "";
        // A path that is gone now was the replaced run's own copy (-Force re-running its config): the sentences are in memory.
        if (_o.TrainPath is null || !File.Exists(_o.TrainPath)) (_o.TrainPath, dataNote) = RecordData(train, RunData.TrainFile, "train_path", "training");
        if ((_o.ValidationPath is null || !File.Exists(_o.ValidationPath)) && validation is { Count: > 0 })
        {
            var (path, note) = RecordData(validation, RunData.ValidationFile, "validation_path", "validation");
            _o.ValidationPath = path;
            dataNote += note;
        }
        var configPath = _folder.File(RunFolder.ConfigFile);
        _folder.Write(RunFolder.ConfigFile, () => TrainingConfigFile.Save(configPath, _o,
            $"BertNer training config, resolved for the run in {_folder.Path}.{dataNote}\n" +
            $"Continue this run with: Start-BertNerTraining -Resume -OutputPath '{_folder.Path}'\n" +
            $"Re-run it from scratch with: Start-BertNerTraining -ConfigPath '{configPath}' -OutputPath <another folder>"));
    }

    /// <summary>The training and validation sentences as model inputs, with the document context and max_length of this run.</summary>
    private (List<EncodedSentence> Train, List<EncodedSentence>? Validation) Encode(NerModel model, LabelMap labels, IReadOnlyList<NerSentence> train, IReadOnlyList<NerSentence>? validation)
    {
        int maxLen = Math.Min(_o.MaxLength, model.Config.MaxPositionEmbeddings);
        var encoder = new SentenceEncoder(model.Tokenizer, labels, _o.LabelAllSubtokens, maxLen, _o.DocumentContext);
        if (_o.DocumentContext > 0) Log($"Document context: up to {_o.DocumentContext} sub-tokens of the neighbouring sentences of the same document on each side.");
        var trainSet = encoder.EncodeAll(train);
        if (encoder.Truncated > 0) Warn($"{encoder.Truncated} training sentence(s) are longer than {maxLen} sub-tokens and were truncated.");
        var valEncoder = new SentenceEncoder(model.Tokenizer, labels, _o.LabelAllSubtokens, maxLen, _o.DocumentContext);
        var valSet = validation is { Count: > 0 } ? valEncoder.EncodeAll(validation) : null;
        if (valEncoder.Truncated > 0) Warn($"{valEncoder.Truncated} validation sentence(s) were truncated to {maxLen} sub-tokens; their cut-off words count as predicted O.");
        return (trainSet, valSet);
    }

    /// <returns>The path to read the sentences from again (null when they cannot be written), and a line for config.yaml's header.</returns>
    private (string? Path, string Note) RecordData(IReadOnlyList<NerSentence> sentences, string fileName, string key, string what)
    {
        try
        {
            var rec = _folder.Write(fileName, () => RunData.Record(sentences, _folder.Path, fileName));
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
        OutputPath = _folder.Path,
        BestEpoch = state.BestEpoch,
        BestF1 = state.BestF1,
        BestModelPath = _folder.BestDir,
        LastModelPath = _folder.LastDir,
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
               $"this run can go on with: Start-BertNerTraining -Resume -OutputPath '{_folder.Path}' {goOn}.";
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
            $"Training stopped: {what} (epoch {state.Epoch}). {_folder.IntactCheckpointText()} Continue with -Resume and a lower -LearningRate, or check the data.",
            "LearningRate");

    private NerEpochResult FinishEpoch(NerModel model, IReadOnlyList<NerSentence>? validation, List<EncodedSentence>? valSet, TrainingState state, ResidentMemoryGuard memory)
    {
        double trainLoss = state.EpochLossSteps == 0 ? double.NaN : state.EpochLossSum / state.EpochLossSteps;
        double secs = Math.Max(1e-9, state.EpochSeconds);
        ModelEvaluation? eval = null;
        if (valSet != null)
        {
            var evalClock = Stopwatch.StartNew();
            // Validation's batches of 32 take other block sizes than training's: without this they stack their memory
            // on the free pages the steps left, and a run's peak came at validation's end (issue #22).
            memory.HandBackBetweenEpochs();
            eval = ModelEvaluator.Evaluate(model, validation!, valSet, _o.EvalBatchSize,
                done => _events.Progress?.Invoke(new TrainingProgress("Evaluating", state.Epoch, _o.Epochs, state.GlobalStep, state.TotalSteps,
                    done, valSet.Count, double.NaN, 0, evalClock.Elapsed, null)), CancellationToken.None);
            model.Classifier!.train();
            memory.HandBackBetweenEpochs(); // validation's activations stayed in the heap (GlibcAllocator.HeapOnly); training does not reuse them
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
