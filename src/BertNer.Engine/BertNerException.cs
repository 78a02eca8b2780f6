namespace BertNer;

/// <summary>What kind of problem an engine error is, so the cmdlets can pick a PowerShell ErrorCategory.</summary>
public enum BertNerErrorKind
{
    InvalidData,
    InvalidArgument,
    ObjectNotFound,
    NotInstalled,
    ResourceUnavailable,
    OperationStopped,
    WriteError,
    /// <summary>Access refused (HTTP 401/403: a private or gated model, a missing or invalid token).</summary>
    PermissionDenied,
}

/// <summary>
/// An error meant for a person: the message says what was found, what was expected and what to do.
/// <see cref="Target"/> names the file (with line), key or parameter at fault.
/// </summary>
public class BertNerException : Exception
{
    public BertNerErrorKind Kind { get; }
    public string? Target { get; }

    public BertNerException(BertNerErrorKind kind, string message, string? target = null, Exception? inner = null)
        : base(message, inner)
    {
        Kind = kind;
        Target = target;
    }
}
