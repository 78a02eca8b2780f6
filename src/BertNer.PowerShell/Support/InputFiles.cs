using System.Collections.ObjectModel;
using System.Management.Automation;

namespace BertNer.PowerShell.Support;

/// <summary>A file named by -Path or -LiteralPath: its provider path, the text the user gave, and its provider.</summary>
internal readonly record struct InputFile(string FullPath, string Given, ProviderInfo Provider);

/// <summary>
/// -Path and -LiteralPath as Import-Conll and Get-NerEntity read them: -Path expands wildcards (a pattern's folders
/// are left out), -LiteralPath is taken as it is. What does not resolve is written as an ObjectNotFound error and
/// skipped, so one bad name does not stop the others.
/// </summary>
internal static class InputFiles
{
    /// <param name="what">What the files are, for the not-found message ("file", "CoNLL file").</param>
    /// <param name="acceptProvider">Checked once per -Path value before its matches are used; writes its own error when false.</param>
    public static List<InputFile> Expand(PSCmdlet cmdlet, IEnumerable<string> paths, string what, Func<string, ProviderInfo, bool>? acceptProvider = null)
    {
        var files = new List<InputFile>();
        foreach (var p in paths)
        {
            Collection<string> resolved;
            ProviderInfo provider;
            try
            {
                resolved = cmdlet.GetResolvedProviderPathFromPSPath(p, out provider);
            }
            catch (ItemNotFoundException)
            {
                cmdlet.WriteError(NotFound($"Cannot find the {what} '{cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(p)}'.", p));
                continue;
            }
            if (acceptProvider != null && !acceptProvider(p, provider)) continue;
            var wildcard = WildcardPattern.ContainsWildcardCharacters(p);
            if (resolved.Count == 0 && wildcard) cmdlet.WriteError(NotFound($"No file matches '{p}'.", p));
            // A wildcard may match sub-folders too; only the files are meant.
            foreach (var full in resolved)
                if (!(wildcard && Directory.Exists(full))) files.Add(new InputFile(full, p, provider));
        }
        return files;
    }

    public static List<InputFile> Literal(PSCmdlet cmdlet, IEnumerable<string> paths) =>
        paths.Select(p => new InputFile(cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(p, out var provider, out _), p, provider)).ToList();

    public static ErrorRecord NotFound(string message, string target) =>
        new(new ItemNotFoundException(message), "BertNer.ObjectNotFound", ErrorCategory.ObjectNotFound, target);
}
