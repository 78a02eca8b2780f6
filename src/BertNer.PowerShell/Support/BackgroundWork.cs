namespace BertNer.PowerShell.Support;

/// <summary>
/// <see cref="WorkerPump"/> for work that only reports progress: the reports are relayed to
/// <paramref name="onProgress"/> on the cmdlet's thread. Cancel <c>ct</c> from StopProcessing to end the work.
/// </summary>
internal static class BackgroundWork
{
    public static T Run<T, TProgress>(Func<IProgress<TProgress>, CancellationToken, T> work, Action<TProgress> onProgress, CancellationToken ct)
    {
        using var pump = new WorkerPump(ct);
        var progress = new PumpProgress<TProgress>(pump, onProgress);
        return pump.Run(token => work(progress, token));
    }

    private sealed class PumpProgress<TProgress>(WorkerPump pump, Action<TProgress> onProgress) : IProgress<TProgress>
    {
        public void Report(TProgress value) => pump.Post(() => onProgress(value));
    }
}
