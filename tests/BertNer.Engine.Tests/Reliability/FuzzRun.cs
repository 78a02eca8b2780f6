using System.Diagnostics;
using Xunit.Abstractions;

namespace BertNer.Tests.Reliability;

/// <summary>
/// Runs generated cases against one target and sorts every outcome: a result (checked by the case itself),
/// a <see cref="BertNerException"/> (exactly that type, with a message for people), or a failure: any other
/// exception, a broken property, or a case that does not finish within its time limit (a hang).
/// Prints the counts per target, so the figures in docs/reliability.md come from a real run.
/// </summary>
public sealed class FuzzRun(string target, ITestOutputHelper output)
{
    private readonly List<string> _failures = new();
    private readonly Dictionary<BertNerErrorKind, int> _kinds = new();
    private readonly SortedDictionary<string, int> _messageShapes = new(StringComparer.Ordinal);
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private (TimeSpan Time, string Case) _slowest;

    public string Target { get; } = target;
    public int Cases { get; private set; }
    public int Results { get; private set; }
    public int Errors { get; private set; }

    /// <summary>Runs one case. <paramref name="run"/> returns normally (its own asserts passed) or throws.</summary>
    public void Case(string description, Action run, int timeLimitSeconds = 30)
    {
        Cases++;
        var clock = Stopwatch.StartNew();
        // The case's own thread has no tensor scope of the test's (TensorScopePerTestAttribute), so it opens one.
        var task = Task.Factory.StartNew(() => { using var scope = TorchSharp.torch.NewDisposeScope(); run(); },
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        bool finished;
        try { finished = task.Wait(TimeSpan.FromSeconds(timeLimitSeconds)); }
        catch (AggregateException) { finished = true; }
        if (clock.Elapsed > _slowest.Time) _slowest = (clock.Elapsed, description);
        if (!finished)
        {
            // The stuck thread cannot be stopped; report it and stop this target, since later cases would pile up.
            _failures.Add($"{description}: no result after {timeLimitSeconds} s (hang)");
            throw new Xunit.Sdk.XunitException(Report() + "\n\nFailures:\n" + string.Join("\n---\n", _failures.TakeLast(20)));
        }
        var error = task.Exception?.InnerException;
        if (error is null) { Results++; return; }
        // A BertNerException or a subclass that adds detail (ConllLabelColumnException); anything else is untyped.
        if (error is BertNerException e)
        {
            var problem = MessageProblem(e);
            if (problem is not null) { _failures.Add(Short($"{description}: {problem}: {e.Message}")); return; }
            Errors++;
            _kinds[e.Kind] = _kinds.GetValueOrDefault(e.Kind) + 1;
            var shape = Shape(e.Message);
            _messageShapes[shape] = _messageShapes.GetValueOrDefault(shape) + 1;
            return;
        }
        _failures.Add(Short($"{description}: {error.GetType().FullName}: {error.Message}") + "\n" + error.StackTrace);
    }

    /// <summary>Fails the test with every failing case listed; prints the counts either way.</summary>
    public void AssertAllTyped()
    {
        var report = Report();
        output.WriteLine(report);
        if (_failures.Count > 0) throw new Xunit.Sdk.XunitException(report + "\n\nFailures:\n" + string.Join("\n---\n", _failures.Take(20)));
    }

    private string Report()
    {
        var kinds = string.Join(", ", _kinds.OrderBy(k => k.Key.ToString()).Select(k => $"{k.Key} {k.Value}"));
        var lines = new List<string>
        {
            $"FUZZ {Target}: {Cases} cases, {Results} results, {Errors} typed errors ({kinds}), {_failures.Count} failures, {_clock.Elapsed.TotalSeconds:F1} s",
            $"  slowest case {_slowest.Time.TotalSeconds:F2} s: {(_slowest.Case.Length > 150 ? _slowest.Case[..150] + "…" : _slowest.Case)}",
        };
        lines.AddRange(_messageShapes.OrderByDescending(s => s.Value).Take(12).Select(s => $"  {s.Value,5} × {s.Key}"));
        return string.Join("\n", lines);
    }

    private static string Short(string s) => s.Length <= 1500 ? s : s[..1500] + $"… ({s.Length} characters)";

    // An error for people: not empty, no .NET type names or stack traces, and short enough to read.
    private static string? MessageProblem(BertNerException e)
    {
        if (string.IsNullOrWhiteSpace(e.Message)) return "empty message";
        if (e.Message.Contains("   at ", StringComparison.Ordinal)) return "message holds a stack trace";
        if (e.Message.Contains("System.", StringComparison.Ordinal) && e.Message.Contains("Exception", StringComparison.Ordinal)) return "message names a .NET exception type";
        if (e.Message.Length > 4000) return $"message of {e.Message.Length} characters";
        if (!Enum.IsDefined(e.Kind)) return $"undefined kind {(int)e.Kind}";
        return null;
    }

    // The message with paths, numbers and quoted values blurred, so similar errors group together in the report.
    private static string Shape(string message)
    {
        var s = System.Text.RegularExpressions.Regex.Replace(message, "'[^']*'", "'…'");
        s = System.Text.RegularExpressions.Regex.Replace(s, @"/tmp/[^\s:]*", "<path>");
        s = System.Text.RegularExpressions.Regex.Replace(s, @"\d+", "N");
        return s.Length > 110 ? s[..110] + "…" : s;
    }
}
