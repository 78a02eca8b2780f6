namespace BertNer.Runtime;

/// <summary>The feed could not be reached or broke off a download: the case where the offline instructions help.</summary>
public sealed class RuntimeSourceUnavailableException : BertNerException
{
    public string FeedLocation { get; }
    public string Reason { get; }

    public RuntimeSourceUnavailableException(string source, string reason, Exception? inner)
        : base(BertNerErrorKind.ResourceUnavailable, $"The runtime source {source} is unavailable: {reason}.", source, inner)
    {
        FeedLocation = source; Reason = reason;
    }
}
