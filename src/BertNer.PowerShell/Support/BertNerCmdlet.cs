using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Management.Automation;

namespace BertNer.PowerShell.Support;

/// <summary>
/// What every BertNer cmdlet shares: Ctrl+C (StopProcessing) cancels <see cref="StopToken"/>, which engine
/// work run through <see cref="RunOffPipeline{T, TProgress}"/> or <see cref="NewPump"/> sees between steps;
/// engine errors become ErrorRecords one way; an existing file is replaced only with -Force. PowerShell
/// disposes a cmdlet after its pipeline, which frees the token's source.
/// </summary>
public abstract class BertNerCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _stop = new();

    /// <summary>Cancelled by Ctrl+C (StopProcessing), which PowerShell calls from another thread.</summary>
    protected CancellationToken StopToken => _stop.Token;

    /// <summary>True once Ctrl+C was pressed: an OperationCanceledException is then the user's stop, not a failure.</summary>
    protected bool StopRequested => _stop.IsCancellationRequested;

    protected override void StopProcessing()
    {
        try { _stop.Cancel(); }
        catch (ObjectDisposedException) { /* the pipeline already ended */ }
    }

    /// <summary>
    /// Runs <paramref name="work"/> on a worker thread; its progress reports reach <paramref name="onProgress"/> on
    /// this (the pipeline's) thread, where Write* calls work. Ctrl+C cancels the token the work gets.
    /// </summary>
    protected T RunOffPipeline<T, TProgress>(Func<IProgress<TProgress>, CancellationToken, T> work, Action<TProgress> onProgress) =>
        BackgroundWork.Run(work, onProgress, StopToken);

    /// <summary>Installs the native runtime with a progress bar when this is the first command to need it and none is present (<see cref="RuntimeFirstUse"/>).</summary>
    protected void PrepareRuntime(BertNer.Runtime.RuntimeKind kind) => RuntimeFirstUse.Prepare(this, kind, StopToken);

    /// <summary>A <see cref="WorkerPump"/> that Ctrl+C cancels, for work that posts more than progress (log lines, rows).</summary>
    private protected WorkerPump NewPump() => new(StopToken);

    /// <summary>Ends the command with the engine's error; <paramref name="target"/> replaces the error's own target.</summary>
    [DoesNotReturn]
    protected void Terminate(BertNerException e, object? target = null)
    {
        ThrowTerminatingError(ErrorRecords.From(e, target));
        throw new UnreachableException();
    }

    /// <summary>Reports the engine's error and lets the command go on with its next input.</summary>
    protected void Report(BertNerException e, object? target = null) => WriteError(ErrorRecords.From(e, target));

    /// <summary>Ends the command when <paramref name="fullPath"/> exists and -Force was not given (see <see cref="OverwriteGuard"/>).</summary>
    protected void CheckOverwrite(string fullPath, bool force, string parameter) => OverwriteGuard.Check(this, fullPath, force, parameter);

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing) _stop.Dispose();
    }
}
