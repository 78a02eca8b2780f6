namespace BertNer.Hub;

/// <summary>
/// A failure worth retrying (HTTP 5xx/429, a reset or dropped connection, a timeout). Internal: once the
/// retries are spent it becomes a <see cref="BertNerException"/> that names the model and file.
/// </summary>
internal sealed class TransientHubException : Exception
{
    /// <summary>What went wrong, for people ("HTTP 503 Service Unavailable", "no data for 10 s").</summary>
    public string Reason { get; }

    /// <summary>How many attempts had been made when this was thrown for the last time.</summary>
    public int Attempts { get; set; } = 1;

    public TransientHubException(string reason, Exception? inner = null) : base(reason, inner) => Reason = reason;
}
