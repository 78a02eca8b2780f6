using System.Management.Automation;
using BertNer.Data;

namespace BertNer.PowerShell.Support;

/// <summary>Reads a whole CoNLL file named by a parameter or config key (terminating on the first bad line).</summary>
internal static class ConllFiles
{
    public static List<NerSentence> Read(PSCmdlet cmdlet, string path)
    {
        var full = cmdlet.GetUnresolvedProviderPathFromPSPath(path);
        if (!File.Exists(full))
            throw new BertNerException(BertNerErrorKind.ObjectNotFound, $"No CoNLL file at '{full}'.", full);
        return ConllReader.ReadFile(full).ToList();
    }
}
