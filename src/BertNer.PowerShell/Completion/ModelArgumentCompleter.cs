using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace BertNer.PowerShell.Completion;

/// <summary>
/// Tab completion for -Model: checkpoints of training runs and model folders under the current location (or
/// under the folder typed so far), then the models in the Hugging Face cache by hub id.
/// </summary>
public sealed class ModelArgumentCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var word = CompletionText.Unquote(wordToComplete ?? "");
        var results = new List<CompletionResult>();
        foreach (var folder in LocalFolders(word))
            results.Add(new CompletionResult(CompletionText.Quote(folder.Text, wordToComplete ?? ""), folder.Text, CompletionResultType.ProviderContainer, folder.Description));
        results.AddRange(HubModelCompleter.CachedModels(wordToComplete ?? "", "Hugging Face model in the cache: "));
        return results;
    }

    /// <summary>Model folders whose path, written as the user writes it (relative, or from the folder typed), starts with <paramref name="word"/>.</summary>
    private static IEnumerable<(string Text, string Description)> LocalFolders(string word)
    {
        int cut = word.LastIndexOfAny(new[] { '/', '\\' });
        char separator = cut >= 0 ? word[cut] : Path.DirectorySeparatorChar;
        var typedFolder = cut >= 0 ? word[..(cut + 1)] : "";
        var current = CompletionText.CurrentFolder();
        string root;
        try
        {
            root = typedFolder.Length == 0 ? current : Path.GetFullPath(ExpandHome(typedFolder), current);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            yield break;
        }
        if (!Directory.Exists(root)) yield break;
        foreach (var folder in ModelFolderSearch.Find(root))
        {
            var relative = Path.GetRelativePath(root, folder.Path);
            // The folder typed so far is itself a model: offer it as typed (without the trailing separator).
            var text = relative == "." ? (typedFolder.Length > 0 ? typedFolder.TrimEnd('/', '\\') : ".")
                : typedFolder + relative.Replace(Path.DirectorySeparatorChar, separator);
            if (relative == "." || text.StartsWith(word, StringComparison.OrdinalIgnoreCase))
                yield return (text, folder.Description);
        }
    }

    private static string ExpandHome(string path) =>
        path == "~" || path.StartsWith("~/", StringComparison.Ordinal) || path.StartsWith("~\\", StringComparison.Ordinal)
            ? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) + path[1..]
            : path;
}
