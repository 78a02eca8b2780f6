using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace BertNer.PowerShell.Support;

/// <summary>
/// Runs long work on a worker thread while the cmdlet's thread writes what the worker posts
/// (progress, verbose, warnings, objects): PowerShell's Write* calls only work on the cmdlet's thread.
/// Ctrl+C (StopProcessing) cancels <see cref="Token"/>; the worker is still waited for, so it can
/// finish writing its checkpoint before the pipeline stops.
/// </summary>
internal sealed class WorkerPump : IDisposable
{
    private readonly BlockingCollection<Action> _queue = new();
    private readonly CancellationTokenSource _cts;

    /// <param name="external">Also cancels the work (e.g. the cmdlet's own StopProcessing token).</param>
    public WorkerPump(CancellationToken external = default) =>
        _cts = CancellationTokenSource.CreateLinkedTokenSource(external);

    public CancellationToken Token => _cts.Token;

    /// <summary>Called from the worker: queue something to run on the cmdlet's thread.</summary>
    public void Post(Action action)
    {
        try { _queue.Add(action); }
        catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException) { /* completed: nobody reads any more */ }
    }

    public void Cancel() => _cts.Cancel();

    /// <summary>Runs <paramref name="work"/> on a worker and pumps posted actions until it ends; returns its result or rethrows its exception.</summary>
    public T Run<T>(Func<CancellationToken, T> work)
    {
        var task = Task.Factory.StartNew(() =>
        {
            try { return work(_cts.Token); }
            finally { _queue.CompleteAdding(); }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        // If writing fails (the pipeline was stopped: Ctrl+C), stop the worker but keep draining until it
        // ends, so it never blocks and can finish its checkpoint; then report the first failure.
        Exception? writeError = null;
        foreach (var action in _queue.GetConsumingEnumerable())
        {
            if (writeError != null) continue;
            try { action(); }
            catch (Exception e) { writeError = e; _cts.Cancel(); }
        }
        T result;
        try
        {
            result = task.GetAwaiter().GetResult();
        }
        catch (Exception) when (writeError != null)
        {
            ExceptionDispatchInfo.Throw(writeError);
            throw;
        }
        if (writeError != null) ExceptionDispatchInfo.Throw(writeError);
        return result;
    }

    public void Dispose()
    {
        _queue.Dispose();
        _cts.Dispose();
    }
}
