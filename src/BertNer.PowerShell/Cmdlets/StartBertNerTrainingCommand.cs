using System.Globalization;
using System.Management.Automation;
using BertNer.Data;
using BertNer.Features;
using BertNer.PowerShell.Support;
using BertNer.Runtime;
using BertNer.Training;

namespace BertNer.PowerShell.Cmdlets;

/// <summary>
/// Fine-tunes a pretrained BERT for NER on sentences from the pipeline (or a YAML config).
/// </summary>
[Cmdlet(VerbsLifecycle.Start, "BertNerTraining", SupportsShouldProcess = true)]
[OutputType(typeof(NerTrainingRun))]
public sealed class StartBertNerTrainingCommand : BertNerCmdlet
{
    [Parameter(ValueFromPipeline = true)]
    public NerSentence? InputObject { get; set; }

    /// <summary>Pretrained model: folder, hub id, or model object. Overrides 'model' in the config.</summary>
    [Parameter(Position = 0)]
    [ArgumentCompleter(typeof(Completion.ModelArgumentCompleter))]
    [ModelArgument]
    public object? Model { get; set; }

    [Parameter] public string? ConfigPath { get; set; }
    [Parameter] public string? ValidationPath { get; set; }
    [Parameter] public NerSentence[]? ValidationSet { get; set; }
    [Parameter] public string? OutputPath { get; set; }
    [Parameter, TrainingOptionRange("epochs")] public int Epochs { get; set; }
    [Parameter, TrainingOptionRange("learning_rate")] public double LearningRate { get; set; }
    [Parameter, TrainingOptionRange("batch_size")] public int BatchSize { get; set; }
    [Parameter, TrainingOptionRange("seed")] public int Seed { get; set; }
    [Parameter, TrainingOptionRange("max_steps")] public int MaxSteps { get; set; }
    [Parameter] public Device Device { get; set; }
    [Parameter] public SwitchParameter GroupByLength { get; set; }
    /// <summary>Sub-tokens of the neighbouring sentences of the same document read on each side (0 = none). Overrides 'document_context'.</summary>
    [Parameter, ValidateRange(0, 65535)] public int DocumentContext { get; set; }
    /// <summary>Continue the run in -OutputPath from its last checkpoint.</summary>
    [Parameter] public SwitchParameter Resume { get; set; }
    /// <summary>Replace the run already in -OutputPath (only the files a run writes are removed).</summary>
    [Parameter] public SwitchParameter Force { get; set; }

    private readonly List<NerSentence> _train = new();

    protected override void ProcessRecord()
    {
        if (InputObject != null) _train.Add(InputObject);
    }

    protected override void EndProcessing()
    {
        TrainingOptions options;
        List<NerSentence>? validation;
        bool replace = false;
        try
        {
            options = ResolveOptions();
            // Checked before the data: resuming a folder that has no run must say so, not "no training sentences".
            if (Resume) RunFolder.CheckResumable(options.OutputPath);
            else if (RunFolder.HoldsRun(options.OutputPath))
            {
                if (!Force) ThrowTerminatingError(RunExists(options.OutputPath));
                replace = true;
            }
            // Piped sentences are the training data; the engine records where they came from (train_path) in the run folder.
            if (_train.Count > 0) options.TrainPath = null;
            else if (options.TrainPath != null) _train.AddRange(ConllFiles.Read(this, options.TrainPath));
            if (ValidationSet != null) options.ValidationPath = null;
            validation = ValidationSet?.ToList()
                ?? (options.ValidationPath != null ? ConllFiles.Read(this, options.ValidationPath) : null);
        }
        catch (BertNerException e)
        {
            Terminate(e);
            return;
        }
        if (_train.Count == 0)
        {
            ThrowTerminatingError(ErrorRecords.Argument(
                "No training sentences. Pipe them in (Import-Conll train.txt | Start-BertNerTraining ...) or set train_path in the -ConfigPath YAML.", "InputObject", null));
        }
        if (!Resume && options.Model is null)
            ThrowTerminatingError(ErrorRecords.Argument("No model given: use -Model (a Hugging Face folder or hub id) or 'model:' in the YAML config.", "Model", null));
        WriteVerbose($"{_train.Count} training sentences, {validation?.Count ?? 0} validation sentences; output in {options.OutputPath}");
        if (!ShouldProcess(WhatIfText(options, validation, replace), $"Train in '{options.OutputPath}'?", "Start-BertNerTraining")) return;

        var pump = NewPump();
        int shownHeader = 0;
        var events = new TrainerEvents
        {
            Progress = p => pump.Post(() => WriteProgress(ToProgressRecord(p))),
            Log = line => pump.Post(() => WriteVerbose(line)),
            Warning = line => pump.Post(() => WriteWarning(line)),
            EpochCompleted = r => pump.Post(() =>
            {
                foreach (var line in EpochTableLines(r, header: shownHeader++ == 0)) HostLine(line);
            }),
        };
        NerTrainingRun? run = null;
        try
        {
            // Hub ids are resolved (and downloaded) here, on the cmdlet's thread, so downloads show progress.
            if (!Resume && options.Model != null) options.Model = ModelResolver.Resolve(this, options.Model, pump.Token);
            PrepareRuntime(RuntimeKind.Torch);
            // The closure keeps the run too: after Ctrl+C, pump.Run rethrows the failed write instead of returning it.
            run = pump.Run(ct => run = new Trainer(options, events).Run(_train, validation, Resume, ct, replace));
        }
        catch (BertNerException e)
        {
            Terminate(e);
        }
        catch (PipelineStoppedException) when (run is { Stopped: true })
        {
            StoppedWarning(StoppedText(run));
            throw;
        }
        finally
        {
            try { WriteProgress(new ProgressRecord(1, "Training", "Done") { RecordType = ProgressRecordType.Completed }); }
            catch (PipelineStoppedException) { }
            pump.Dispose();
        }
        if (run!.Stopped) StoppedWarning(StoppedText(run));
        WriteObject(run);
    }

    // After Ctrl+C the pipeline is stopping and WriteWarning throws: the host's UI does not go through the
    // pipeline, so the line that says how to continue still reaches the user.
    private void StoppedWarning(string message)
    {
        if (!Stopping)
        {
            try { WriteWarning(message); return; }
            catch (PipelineStoppedException) { }
        }
        Host?.UI?.WriteWarningLine(message);
    }

    private static string StoppedText(NerTrainingRun run) =>
        $"Training stopped at step {run.Steps}; continue with: Start-BertNerTraining -Resume -OutputPath '{run.OutputPath}'";

    private static ErrorRecord RunExists(string outDir)
    {
        // OverwriteGuard's error id and category, with the message that also names -Resume.
        var guard = OverwriteGuard.Exists(outDir, nameof(OutputPath));
        return new ErrorRecord(new IOException(RunFolder.RunExists(outDir).Message), guard.FullyQualifiedErrorId, guard.CategoryInfo.Category, outDir);
    }

    /// <summary>What -WhatIf shows: the run, where it goes, and what it writes (and for -Force, what it removes).</summary>
    private string WhatIfText(TrainingOptions o, List<NerSentence>? validation, bool replace)
    {
        var outDir = Path.GetFullPath(o.OutputPath);
        var steps = o.Epochs * BatchOrder.BatchesPerEpoch(_train.Count, o.BatchSize);
        if (o.MaxSteps > 0) steps = Math.Min(steps, o.MaxSteps);
        var epochs = string.Join(", ", Enumerable.Range(1, Math.Min(o.Epochs, 3)).Select(i => $"epoch-{i}/")) + (o.Epochs > 3 ? $" … epoch-{o.Epochs}/" : "");
        var sb = new System.Text.StringBuilder();
        sb.Append(Resume ? $"Resume the training run in '{outDir}'" : $"Train '{o.Model}'")
          .Append(string.Create(CultureInfo.InvariantCulture, $" on {_train.Count} sentences ({validation?.Count ?? 0} validation) for {o.Epochs} epoch(s), up to {steps} steps of {o.BatchSize}, learning rate {o.LearningRate}, device {o.Device}."));
        if (replace)
            sb.Append($" Replace the run in '{outDir}' (-Force), removing: {string.Join(", ", RunFolder.RunEntries(outDir).Select(Path.GetFileName))}.");
        sb.Append($" Write into '{outDir}': {RunFolder.ConfigFile}, {RunFolder.LogFile}, {RunFolder.MetricsFile}, report.html, {epochs}, best/, last/");
        if (!Resume && o.TrainPath is null) sb.Append($", and {RunData.TrainFile} unless the training sentences are one whole file");
        if (!Resume && o.ValidationPath is null && validation is { Count: > 0 }) sb.Append($", {RunData.ValidationFile} likewise");
        return sb.Append('.').ToString();
    }


    private TrainingOptions ResolveOptions()
    {
        var o = TrainingConfigFile.Starting(
            ConfigPath is null ? null : GetUnresolvedProviderPathFromPSPath(ConfigPath),
            Resume && OutputPath != null ? GetUnresolvedProviderPathFromPSPath(OutputPath) : null);
        var bound = MyInvocation.BoundParameters;
        if (Model != null) o.Model = Model is PSObject { BaseObject: string } or string ? Model.ToString() : ModelResolver.Resolve(this, Model);
        if (bound.ContainsKey(nameof(ValidationPath))) o.ValidationPath = GetUnresolvedProviderPathFromPSPath(ValidationPath!);
        if (bound.ContainsKey(nameof(OutputPath))) o.OutputPath = GetUnresolvedProviderPathFromPSPath(OutputPath!);
        else o.OutputPath = GetUnresolvedProviderPathFromPSPath(o.OutputPath);
        if (bound.ContainsKey(nameof(Epochs))) o.Epochs = Epochs;
        if (bound.ContainsKey(nameof(LearningRate))) o.LearningRate = LearningRate;
        if (bound.ContainsKey(nameof(BatchSize))) o.BatchSize = BatchSize;
        if (bound.ContainsKey(nameof(Seed))) o.Seed = Seed;
        if (bound.ContainsKey(nameof(MaxSteps))) o.MaxSteps = MaxSteps;
        if (bound.ContainsKey(nameof(Device))) o.Device = Device.ToString();
        if (bound.ContainsKey(nameof(GroupByLength))) o.GroupByLength = GroupByLength.IsPresent;
        if (bound.ContainsKey(nameof(DocumentContext))) o.DocumentContext = DocumentContext;
        o.Validate("parameters");
        return o;
    }

    private static ProgressRecord ToProgressRecord(TrainingProgress p)
    {
        if (p.Phase == "Evaluating")
            return new ProgressRecord(1, $"Training: epoch {p.Epoch}/{p.Epochs}", $"Evaluating {p.EpochStep}/{p.StepsPerEpoch} sentences")
            { PercentComplete = (int)(100.0 * p.EpochStep / Math.Max(1, p.StepsPerEpoch)) };
        return new ProgressRecord(1, $"Training: epoch {p.Epoch}/{p.Epochs}",
            string.Create(CultureInfo.InvariantCulture, $"step {p.Step}/{p.TotalSteps}  loss {p.RunningLoss:F4}  {p.TokensPerSecond:F0} tokens/s"))
        {
            PercentComplete = (int)(100.0 * p.Step / Math.Max(1, p.TotalSteps)),
            SecondsRemaining = p.Remaining is { } r ? (int)r.TotalSeconds : -1,
        };
    }

    private const string EpochRow = "param($r, $header) $r | Format-Table -HideTableHeaders:(-not $header) | Out-String -Width 200";

    /// <summary>The epoch's row (with the header the first time) as <c>$run.Epochs | Format-Table</c> shows it: the module's format view, one source for both.</summary>
    private IEnumerable<string> EpochTableLines(NerEpochResult r, bool header) =>
        // A script block per call: one kept in a static would stay bound to the first runspace that ran it.
        InvokeCommand.InvokeScript(false, ScriptBlock.Create(EpochRow), null, r, header)
            .SelectMany(o => o.ToString().Split('\n'))
            .Select(l => l.TrimEnd())
            .Where(l => l.Length > 0);

    // Shown like Write-Host, but on the information stream so -InformationVariable can capture it.
    private void HostLine(string line) =>
        WriteInformation(new HostInformationMessage { Message = line }, new[] { "PSHOST", "BertNer.Epoch" });
}
