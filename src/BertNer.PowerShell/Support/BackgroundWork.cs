using System.Collections.Concurrent;

namespace BertNer.PowerShell.Support;

/// <summary>
/// Runs engine work on a worker task while the pipeline thread relays its progress: a cmdlet may only call
/// WriteProgress (and any Write*) from its own thread, so reports travel through a BlockingCollection.
/// Cancel <c>ct</c> from StopProcessing to end the work.
/// </summary>
internal static class BackgroundWork
{
    public static T Run<T, TProgress>(Func<IProgress<TProgress>, CancellationToken, T> work, Action<TProgress> onProgress, CancellationToken ct)
    {
        var queue = new BlockingCollection<TProgress>();
        var task = Task.Run(() =>
        {
            try { return work(new QueueProgress<TProgress>(queue), ct); }
            finally { queue.CompleteAdding(); }
        }, CancellationToken.None);
        try
        {
            foreach (var report in queue.GetConsumingEnumerable()) onProgress(report);
            return task.GetAwaiter().GetResult();
        }
        finally
        {
            // Left early (WriteProgress throws once the pipeline stops): the worker sees the cancelled token and
            // ends soon; wait for it so the queue is not disposed under it.
            if (!task.IsCompleted)
                try { task.Wait(TimeSpan.FromSeconds(30)); } catch (AggregateException) { }
            if (task.IsCompleted) queue.Dispose();
        }
    }

    private sealed class QueueProgress<TProgress> : IProgress<TProgress>
    {
        private readonly BlockingCollection<TProgress> _queue;
        public QueueProgress(BlockingCollection<TProgress> queue) => _queue = queue;

        public void Report(TProgress value)
        {
            try { _queue.Add(value); }
            catch (InvalidOperationException) { } // completed: the work is over, nobody reads any more
        }
    }
}
