using System.Diagnostics;

namespace BertNer.Tests.Support;

/// <summary>
/// The fault runner (tests/BertNer.FaultRunner) in a child process run to its end: for what can only be seen in a fresh
/// process (how libtorch is found and loaded, settings native code reads once). Lines of stdout, then one "stderr: ..."
/// line with all of stderr, for failure messages.
/// </summary>
public static class FaultRunnerProcess
{
    /// <param name="runner">Path of BertNer.FaultRunner.dll.</param>
    /// <param name="env">Variables for the child; a null value removes the variable.</param>
    public static (int Exit, List<string> Lines) Run(string runner, IEnumerable<string> args, IEnumerable<(string Name, string? Value)> env, int seconds)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(runner);
        foreach (var a in args) start.ArgumentList.Add(a);
        foreach (var (name, value) in env)
            if (value is null) start.Environment.Remove(name);
            else start.Environment[name] = value;
        using var p = Process.Start(start)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var lines = new List<string>();
        while (p.StandardOutput.ReadLine() is { } line) lines.Add(line);
        if (!p.WaitForExit(seconds * 1000)) { p.Kill(true); throw new TimeoutException($"the child did not finish in {seconds} s"); }
        lines.Add("stderr: " + stderr.Result);
        return (p.ExitCode, lines);
    }
}
