using System.Management.Automation;
using BertNer.Training;

namespace BertNer.PowerShell.Support;

/// <summary>
/// Validates a training parameter by the rule of its key in <see cref="TrainingOptionKeys"/>, the table the YAML
/// config is checked against, so -LearningRate and learning_rate cannot drift apart; the message names what
/// is allowed in the table's words.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class TrainingOptionRangeAttribute(string key) : ValidateArgumentsAttribute
{
    private readonly TrainingOptionKey _key = TrainingOptionKeys.All.Single(k => k.Name == key);

    protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
    {
        var value = arguments is PSObject pso ? pso.BaseObject : arguments;
        if (_key.Allowed(value) is { } allowed)
            throw new ValidationMetadataException($"{TrainingOptionKey.Format(value)} is not allowed for '{_key.Name}'; allowed: {allowed}.");
    }
}
