using System.Management.Automation;

namespace BertNer.PowerShell.Support;

/// <summary>
/// One rule for every cmdlet that writes a file or folder: what exists is replaced only with -Force,
/// and the error says which parameter named it and what to do. Keeps the message and error id alike
/// across Export-Conll, ConvertTo-NerHtml, New-BertNerTrainingConfig, Measure-BertNerModel and training.
/// </summary>
internal static class OverwriteGuard
{
    /// <summary>Throws a terminating ResourceExists error when <paramref name="fullPath"/> exists and -Force was not given.</summary>
    public static void Check(PSCmdlet cmdlet, string fullPath, bool force, string parameter)
    {
        if (force || !(File.Exists(fullPath) || Directory.Exists(fullPath))) return;
        cmdlet.ThrowTerminatingError(Exists(fullPath, parameter));
    }

    public static ErrorRecord Exists(string fullPath, string parameter) => new(
        new IOException($"'{fullPath}' already exists. Use -Force to replace it, or choose another -{parameter}."),
        "BertNer.FileExists", ErrorCategory.ResourceExists, fullPath);
}
