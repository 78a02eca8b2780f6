using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace BertNer.PowerShell.Completion;

/// <summary>What completers share: the word as typed (without quotes), quoting the result back, and the current folder.</summary>
internal static class CompletionText
{
    private static readonly char[] NeedsQuotes = { ' ', '\t', '$', '`', '\'', '"', ';', '(', ')', '{', '}', '&', '|', '<', '>', '@', '#', ',' };

    public static string Unquote(string word) =>
        word.Length > 0 && word[0] is '\'' or '"' ? word.Trim(word[0]) : word;

    /// <summary>The completion text: quoted when PowerShell would split or expand it, or when the user started a quote.</summary>
    public static string Quote(string text, string typedWord)
    {
        char? quote = typedWord.Length > 0 && typedWord[0] is '\'' or '"' ? typedWord[0] : null;
        if (quote is null && text.IndexOfAny(NeedsQuotes) < 0) return text;
        return quote == '"' ? "\"" + text.Replace("`", "``").Replace("\"", "`\"").Replace("$", "`$") + "\"" : "'" + text.Replace("'", "''") + "'";
    }

    /// <summary>PowerShell's current file-system location (Set-Location does not change the process's folder).</summary>
    public static string CurrentFolder()
    {
        // A completer runs on the pipeline thread of the session that asks; a nested command there sees its location.
        if (Runspace.DefaultRunspace is not null)
        {
            try
            {
                using var ps = System.Management.Automation.PowerShell.Create(RunspaceMode.CurrentRunspace);
                ps.AddCommand("Microsoft.PowerShell.Management\\Get-Location").AddParameter("PSProvider", "FileSystem");
                if (ps.Invoke<PathInfo>().FirstOrDefault()?.ProviderPath is { Length: > 0 } path) return path;
            }
            catch (Exception e) when (e is RuntimeException or InvalidOperationException)
            {
                // no usable session on this thread: fall back to the process's folder
            }
        }
        return Environment.CurrentDirectory;
    }
}
