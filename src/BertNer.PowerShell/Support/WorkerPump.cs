using System.Collections.Concurrent;
using System.Management.Automation;

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
    private readonly CancellationTokenSource _cts = new();

    public CancellationToken Token => _cts.Token;

    /// <summary>Called from the worker: queue something to run on the cmdlet's thread.</summary>
    public void Post(Action action)
    {
        try { _queue.Add(action); } catch (InvalidOperationException) { /* completed: the cmdlet is gone */ }
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

        PipelineStoppedException? stopped = null;
        foreach (var action in _queue.GetConsumingEnumerable())
        {
            if (stopped != null) continue; // keep draining so the worker never blocks; nothing can be written now
            try { action(); }
            catch (PipelineStoppedException e) { stopped = e; _cts.Cancel(); }
        }
        try
        {
            var result = task.GetAwaiter().GetResult();
            if (stopped != null) throw stopped;
            return result;
        }
        catch (Exception) when (stopped != null)
        {
            throw stopped;
        }
    }

    public void Dispose()
    {
        _queue.Dispose();
        _cts.Dispose();
    }
}
