using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using BertNer.Checkpoints.Hub;

namespace BertNer.PowerShell.Completion;

/// <summary>Tab completion for hub ids (Save-BertNerPretrainedModel -Name): the models already in the Hugging Face cache, to refresh them.</summary>
public sealed class HubModelCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var word = CompletionText.Unquote(wordToComplete ?? "");
        return CachedHubModel.List(new HubOptions().CacheFolder)
            .Where(m => m.Id.StartsWith(word, StringComparison.OrdinalIgnoreCase))
            .Select(m => new CompletionResult(CompletionText.Quote(m.Id, wordToComplete ?? ""), m.Id, CompletionResultType.ParameterValue, $"in the cache: {m.Folder}"))
            .ToList();
    }
}
