using System.Management.Automation;

namespace BertNer.PowerShell.Support;

/// <summary>Turns engine errors into PowerShell ErrorRecords with a category, target and a message that says what to do.</summary>
internal static class ErrorRecords
{
    public static ErrorRecord From(BertNerException e, object? target = null) =>
        new(e, "BertNer." + e.Kind, Category(e.Kind), target ?? e.Target);

    public static ErrorRecord Argument(string message, string parameter, object? value) =>
        new(new ArgumentException(message), "BertNer.InvalidArgument." + parameter, ErrorCategory.InvalidArgument, value); // no paramName: .NET would append "(Parameter ...)" to the message

    public static ErrorCategory Category(BertNerErrorKind kind) => kind switch
    {
        BertNerErrorKind.InvalidData => ErrorCategory.InvalidData,
        BertNerErrorKind.InvalidArgument => ErrorCategory.InvalidArgument,
        BertNerErrorKind.ObjectNotFound => ErrorCategory.ObjectNotFound,
        BertNerErrorKind.NotInstalled => ErrorCategory.NotInstalled,
        BertNerErrorKind.ResourceUnavailable => ErrorCategory.ResourceUnavailable,
        BertNerErrorKind.OperationStopped => ErrorCategory.OperationStopped,
        BertNerErrorKind.WriteError => ErrorCategory.WriteError,
        BertNerErrorKind.PermissionDenied => ErrorCategory.PermissionDenied,
        _ => ErrorCategory.NotSpecified,
    };
}
