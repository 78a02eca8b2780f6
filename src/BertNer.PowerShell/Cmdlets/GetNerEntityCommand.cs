using System.Diagnostics;
using System.Management.Automation;
using BertNer.Inference;
using BertNer.Modeling;
using BertNer.PowerShell.Support;

namespace BertNer.PowerShell.Cmdlets;

/// <summary>
/// Finds named entities in text, with exact character offsets.
/// </summary>
[Cmdlet(VerbsCommon.Get, "NerEntity", DefaultParameterSetName = TextSet)]
[Alias("Get-NerEntities")]
[OutputType(typeof(NerEntity))]
public sealed class GetNerEntityCommand : BertNerCmdlet
{
    private const string TextSet = "Text";
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = TextSet)]
    [AllowEmptyString]
    [AllowNull]
    public string?[] Text { get; set; } = Array.Empty<string>();

    /// <summary>Text files to tag, each as one input; wildcards are expanded. Binds from a Path property only:
    /// strings by value are texts.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = PathSet)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    /// <summary>Text files taken literally. Files from Get-ChildItem bind here (PSPath, or FullName for a FileInfo
    /// made in .NET), so a file is read instead of its path being tagged as text.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = LiteralPathSet)]
    [Alias("PSPath", "LP", "FullName")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = [];

    /// <summary>The caller's identifier, copied onto the entities of the input: binds from an Id property of
    /// each input object (an Import-Csv column, say), or names every text of the call.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public object? Id { get; set; }

    /// <summary>A fine-tuned model: folder (e.g. a run's best/), hub id, or an object from Import-BertNerModel.</summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNull]
    [ArgumentCompleter(typeof(Completion.ModelArgumentCompleter))]
    [ModelArgument]
    public object Model { get; set; } = null!;

    [Parameter]
    public AggregationStrategy AggregationStrategy { get; set; } = AggregationStrategy.First;

    [Parameter]
    [ValidateRange(1, 4096)]
    public int BatchSize { get; set; } = 32;

    [Parameter]
    public Device Device { get; set; } = Device.Auto;

    [Parameter]
    [ValidateRange(0.0, 1.0)]
    public double MinimumScore { get; set; }

    /// <summary>The runtime: Auto (ONNX Runtime for an exported folder, libtorch otherwise), Torch or Onnx.</summary>
    [Parameter]
    public InferenceBackend Backend { get; set; } = InferenceBackend.Auto;

    private const int ProgressId = 16;

    private ITokenClassifier? _model;
    private EntityRecognizer? _recognizer;
    private readonly List<PendingText> _pending = new();
    private int _nextIndex;
    private int? _total;          // texts in all, when known before the first is tagged (not streamed from the pipeline)
    private long _entityCount;
    private long _characterCount;
    private readonly Stopwatch _clock = new();
    private readonly Stopwatch _sinceProgress = new();
    private bool _wroteProgress;

    private readonly record struct PendingText(string? Text, object? Id, string? SourceFile);

    // Texts are processed in windows of several batches: sorted by length inside, emitted in input order.
    private int Window => BatchSize * 8;

    protected override void BeginProcessing()
    {
        try
        {
            _model = ModelResolver.ResolveClassifier(this, Model, Device.ToString(), Backend, StopToken);
            _recognizer = new EntityRecognizer(_model, new RecognizerOptions { Aggregation = AggregationStrategy, BatchSize = BatchSize, MinimumScore = MinimumScore });
            var types = _model.Labels.Select(l => l.Length > 2 && l[1] == '-' ? l[2..] : l).Where(l => l != "O").Distinct();
            WriteVerbose($"Model {_model.Name} ({string.Join(", ", types)}) on {_model.DeviceName} with {_model.Backend}{(_model.SourcePath is { } p ? $" from {p}" : "")}; " +
                $"windows of up to {_recognizer.WindowTokens} sub-tokens" +
                (_model.Config.DocumentContext > 0 ? $" sharing at least {_recognizer.SharedForContext(_recognizer.WindowTokens)} (document context {_model.Config.DocumentContext} on each side)" : "") +
                $", {BatchSize} per batch, {Window} texts at a time.");
        }
        catch (BertNerException e)
        {
            Terminate(e, Model);
        }
        catch (OperationCanceledException) when (StopRequested)
        {
            throw new PipelineStoppedException();
        }
        _clock.Start();
    }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == TextSet)
        {
            // $null from the pipeline binds as a null array, not an array holding null: it is still one input (no entities).
            var texts = Text ?? new string?[] { null };
            if (!MyInvocation.ExpectingInput) _total = texts.Length;
            foreach (var t in texts) Add(new PendingText(t, Id, null));
            return;
        }
        var files = ResolveFiles();
        if (!MyInvocation.ExpectingInput) _total = files.Count;
        foreach (var file in files)
        {
            // A file is read only when its turn comes, so a long list of files is never all in memory.
            string text;
            try
            {
                text = File.ReadAllText(file); // UTF-8 unless a byte-order mark says otherwise; the mark is not part of the text
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                WriteError(new ErrorRecord(e, "BertNer.ReadError", ErrorCategory.ReadError, file));
                continue;
            }
            Add(new PendingText(text, Id, file));
        }
    }

    protected override void EndProcessing()
    {
        Flush();
        WriteVerbose($"Tagged {Count(_nextIndex, "text")} ({Count(_characterCount, "character")}): {Count(_entityCount, "entity", "entities")} in {_clock.Elapsed.TotalSeconds:F1} s.");
        if (_wroteProgress) WriteProgress(new ProgressRecord(ProgressId, Activity, "Done") { RecordType = ProgressRecordType.Completed });
    }

    private void Add(PendingText text)
    {
        _pending.Add(text);
        if (_pending.Count >= Window) Flush();
    }

    private static string Count(long n, string one, string? many = null) => $"{n:N0} {(n == 1 ? one : many ?? one + "s")}";

    private string Activity => $"Tagging entities with {_model!.Name}";

    private void Flush()
    {
        if (_pending.Count == 0) return;
        var texts = _pending.Select(p => p.Text).ToList();
        var started = _clock.Elapsed;
        int windows = 0;
        List<NerEntity> entities;
        try
        {
            // On a worker, so that Ctrl+C reaches the engine between batches while this thread writes its
            // progress: one long text is many windows and may run for minutes.
            entities = RunOffPipeline<List<NerEntity>, (int Done, int Total)>(
                (progress, ct) => _recognizer!.Recognize(texts, _nextIndex, ct, (done, total) => progress.Report((done, total))),
                p => { windows = p.Total; ShowProgress(p.Done, p.Total); });
        }
        catch (BertNerException e)
        {
            Terminate(e, Model);
            return;
        }
        catch (OperationCanceledException) when (StopRequested)
        {
            throw new PipelineStoppedException();
        }
        foreach (var e in entities)
        {
            var origin = _pending[e.InputIndex - _nextIndex];
            e.Id = origin.Id;
            e.SourceFile = origin.SourceFile;
            WriteObject(e);
        }
        int first = _nextIndex;
        _nextIndex += _pending.Count;
        _entityCount += entities.Count;
        _characterCount += texts.Sum(t => (long)(t?.Length ?? 0));
        WriteVerbose($"Texts {first + 1:N0}–{_nextIndex:N0}: {Count(windows, "window")} in {Count((windows + BatchSize - 1) / BatchSize, "batch", "batches")}, " +
            $"{Count(entities.Count, "entity", "entities")}, {(_clock.Elapsed - started).TotalSeconds:F1} s.");
        _pending.Clear();
        ShowProgress(windows, windows, force: true);
    }

    /// <summary>Texts done (of all, when known) and the windows done of the texts being tagged; at most ~5 a second
    /// besides the first and last of each window of texts, as batches of short texts take milliseconds.</summary>
    private void ShowProgress(int windowsDone, int windowsTotal, bool force = false)
    {
        if (!force && _wroteProgress && windowsDone > 0 && windowsDone < windowsTotal && _sinceProgress.ElapsedMilliseconds < 200) return;
        _sinceProgress.Restart();
        _wroteProgress = true;
        bool flushed = _pending.Count == 0;
        int done = _nextIndex;
        string status = _total is { } all ? $"{done:N0}/{all:N0} texts" : $"{done:N0} texts";
        var record = new ProgressRecord(ProgressId, Activity, status);
        if (!flushed)
            record.CurrentOperation = $"texts {_nextIndex + 1:N0}–{_nextIndex + _pending.Count:N0}: windows {windowsDone:N0}/{windowsTotal:N0}";
        if (_total is { } total && total > 0)
        {
            // The texts being tagged count by the share of their windows done.
            double share = flushed || windowsTotal == 0 ? 0 : (double)windowsDone / windowsTotal * _pending.Count;
            record.PercentComplete = (int)Math.Min(100, 100 * (done + share) / total);
        }
        WriteProgress(record);
    }

    private List<string> ResolveFiles()
    {
        // One path at a time, so its errors come in the order the paths were given.
        var (files, parameter) = ParameterSetName == LiteralPathSet
            ? (LiteralPath.SelectMany(p => InputFiles.Literal(this, [p])), nameof(LiteralPath))
            : (Path.SelectMany(p => InputFiles.Expand(this, [p], "file")), nameof(Path));
        return files.Where(f => Check(f.FullPath, f.Given, f.Provider, parameter)).Select(f => f.FullPath).ToList();
    }

    /// <summary>True for a file on a file system drive; otherwise writes why it is not read.</summary>
    private bool Check(string full, string given, ProviderInfo provider, string parameter)
    {
        if (provider.Name != "FileSystem")
            WriteError(ErrorRecords.Argument($"'{given}' is on the {provider.Name} drive; Get-NerEntity reads files from a file system drive.", parameter, given));
        else if (Directory.Exists(full))
            WriteError(ErrorRecords.Argument($"'{full}' is a folder, not a text file. Tag the files in it: Get-ChildItem '{full}' -File | Get-NerEntity ...", parameter, given));
        else if (!File.Exists(full))
            WriteError(InputFiles.NotFound($"Cannot find the file '{full}'.", given));
        else
            return true;
        return false;
    }
}
