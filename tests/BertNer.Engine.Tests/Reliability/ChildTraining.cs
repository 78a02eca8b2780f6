using System.Collections.Concurrent;
using System.Diagnostics;

namespace BertNer.Tests.Reliability;

/// <summary>
/// A training run in a child process (tests/BertNer.FaultRunner, copied beside the tests): started with arguments,
/// its output read line by line as it comes, and killable with SIGKILL at any line, as a crash or `kill -9` would.
/// </summary>
public sealed class ChildTraining : IDisposable
{
    private readonly Process _process;
    private readonly BlockingCollection<string?> _lines = new();
    private readonly List<string> _seen = new();

    public static string RunnerPath => Path.Combine(AppContext.BaseDirectory, "BertNer.FaultRunner.dll");

    public ChildTraining(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(RunnerPath);
        foreach (var a in args) start.ArgumentList.Add(a);
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => _lines.Add(e.Data); // null at the end of the stream
        _process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (_seen) _seen.Add("stderr: " + e.Data); };
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Everything the child said so far, for failure messages.</summary>
    public string Transcript { get { lock (_seen) return string.Join("\n", _seen); } }

    /// <summary>Waits for the first line (from now on) that <paramref name="match"/> accepts; fails if the child ends first.</summary>
    public string WaitFor(Func<string, bool> match, int seconds = 120)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || !_lines.TryTake(out var line, left))
                throw new Xunit.Sdk.XunitException($"The child said nothing expected within {seconds} s:\n{Transcript}");
            if (line is null)
                throw new Xunit.Sdk.XunitException($"The child ended (exit code {ExitCode()}) before the expected line:\n{Transcript}");
            lock (_seen) _seen.Add(line);
            if (match(line)) return line;
        }
    }

    /// <summary>SIGKILL: no finally block, no flush, no cleanup runs in the child.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    /// <summary>Waits for the child to end on its own and returns its exit code.</summary>
    public int WaitForExit(int seconds = 180)
    {
        if (!_process.WaitForExit(seconds * 1000))
        {
            Kill();
            throw new Xunit.Sdk.XunitException($"The child did not end within {seconds} s:\n{Transcript}");
        }
        _process.WaitForExit(); // lets the output handlers finish
        while (_lines.TryTake(out var line)) if (line != null) lock (_seen) _seen.Add(line);
        return _process.ExitCode;
    }

    private string ExitCode() => _process.HasExited ? _process.ExitCode.ToString() : "still running";

    public void Dispose()
    {
        if (!_process.HasExited) Kill();
        _process.Dispose();
        _lines.Dispose();
    }
}
