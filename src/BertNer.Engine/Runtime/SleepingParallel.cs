namespace BertNer.Runtime;

/// <summary>
/// A parallel for over one helper thread per extra core, for the few loops BertNer runs in managed code
/// between libtorch calls (the fused AdamW update). Parallel.For would do, but the .NET thread pool's
/// workers spin for a while after each job and steal the cores from libtorch's OpenMP threads, which
/// slows the next forward+backward (docs/design.md, "OpenMP and thread settings"; figure in
/// docs/performance.md). These helpers block in the kernel (no spinning) as soon as the work is taken.
/// </summary>
public static class SleepingParallel
{
    private static readonly object Gate = new();
    private static readonly ManualResetEventSlim Finished = new(false, spinCount: 0);
    private static AutoResetEvent[]? _wake;
    private static Action<int>? _body;
    private static int _count, _next, _running;
    private static Exception? _failure;

    /// <summary>Runs <paramref name="body"/>(0 … count-1), on the calling thread and the helpers; returns when all are done.</summary>
    public static void For(int count, Action<int> body)
    {
        lock (Gate) // one loop at a time; callers from other threads queue here
        {
            var wake = _wake ??= StartHelpers(Environment.ProcessorCount - 1);
            _body = body; _count = count; _next = -1; _failure = null;
            // As many threads as libtorch runs: on a busy machine TorchThreads lowers both.
            int helpers = Math.Clamp(TorchThreads.Current - 1, 0, wake.Length);
            _running = helpers;
            Finished.Reset();
            for (int k = 0; k < helpers; k++) wake[k].Set();
            Drain();
            if (helpers > 0) Finished.Wait();
            _body = null;
            if (_failure != null) throw new AggregateException(_failure);
        }
    }

    private static void Drain()
    {
        try
        {
            int i;
            while ((i = Interlocked.Increment(ref _next)) < _count) _body!(i);
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref _failure, e, null);
            _next = int.MaxValue - 1024; // the others stop taking work
        }
    }

    private static AutoResetEvent[] StartHelpers(int n)
    {
        var wake = new AutoResetEvent[Math.Max(0, n)];
        for (int k = 0; k < wake.Length; k++)
        {
            var signal = wake[k] = new AutoResetEvent(false);
            new Thread(() =>
            {
                while (true)
                {
                    signal.WaitOne();
                    Drain();
                    if (Interlocked.Decrement(ref _running) == 0) Finished.Set();
                }
            }) { IsBackground = true, Name = $"BertNer parallel {k + 1}" }.Start();
        }
        return wake;
    }
}
