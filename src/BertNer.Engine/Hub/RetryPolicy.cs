namespace BertNer.Hub;

/// <summary>
/// How often and how patiently transient failures (HTTP 5xx/429, connection resets, timeouts) are retried:
/// exponential backoff from <see cref="InitialDelay"/>, doubling up to <see cref="MaxDelay"/>.
/// </summary>
public sealed class RetryPolicy
{
    /// <summary>Attempts in total, the first included (1 = no retry).</summary>
    public int MaxAttempts { get; init; } = 5;
    public TimeSpan InitialDelay { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(16);

    /// <summary>The pause before retry number <paramref name="retry"/> (1 = the first retry).</summary>
    public TimeSpan DelayBefore(int retry)
    {
        var ms = InitialDelay.TotalMilliseconds * Math.Pow(2, Math.Max(0, retry - 1));
        return TimeSpan.FromMilliseconds(Math.Min(ms, MaxDelay.TotalMilliseconds));
    }

    /// <summary>
    /// Runs <paramref name="attempt"/> until it succeeds or has failed transiently <paramref name="maxAttempts"/> times
    /// (default <see cref="MaxAttempts"/>); then the last <see cref="TransientHubException"/> is thrown.
    /// Any other exception ends the attempts at once.
    /// </summary>
    internal async Task<T> RunAsync<T>(Func<Task<T>> attempt, CancellationToken ct, int? maxAttempts = null)
    {
        int max = Math.Max(1, maxAttempts ?? MaxAttempts);
        for (int n = 1; ; n++)
        {
            try
            {
                return await attempt().ConfigureAwait(false);
            }
            catch (TransientHubException e) when (n < max)
            {
                e.Attempts = n;
                await Task.Delay(DelayBefore(n), ct).ConfigureAwait(false);
            }
            catch (TransientHubException e)
            {
                e.Attempts = n;
                throw;
            }
        }
    }
}
