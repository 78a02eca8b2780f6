using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using BertNer.Hub;

namespace BertNer.PowerShell.Completion;

/// <summary>Tab completion for hub ids (Save-BertNerPretrainedModel -Name): the models already in the Hugging Face cache, to refresh them.</summary>
public sealed class HubModelCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        return CachedModels(wordToComplete ?? "", "in the cache: ").ToList();
    }

    /// <summary>The cached hub models whose id starts with what was typed; the tooltip is <paramref name="tooltipPrefix"/> + the folder.</summary>
    internal static IEnumerable<CompletionResult> CachedModels(string typed, string tooltipPrefix)
    {
        var word = CompletionText.Unquote(typed);
        return CachedHubModel.List(new HubOptions().CacheFolder)
            .Where(m => m.Id.StartsWith(word, StringComparison.OrdinalIgnoreCase))
            .Select(m => new CompletionResult(CompletionText.Quote(m.Id, typed), m.Id, CompletionResultType.ParameterValue, tooltipPrefix + m.Folder));
    }
}
