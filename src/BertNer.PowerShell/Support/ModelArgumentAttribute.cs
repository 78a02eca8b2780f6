using System.Management.Automation;
using BertNer.Inference;
using BertNer.Modeling;
using BertNer.Training;

namespace BertNer.PowerShell.Support;

/// <summary>
/// -Model as it binds: a training run becomes its best/ folder, a DirectoryInfo its full path, and a string (a folder or
/// a hub id) or a model object stays as it is, for <see cref="ModelResolver"/> to resolve on the cmdlet's thread, where a
/// download can show progress. Anything else is refused while the parameters bind, before any input is read.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class ModelArgumentAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = inputData is PSObject pso ? pso.BaseObject : inputData;
        return value switch
        {
            null => null, // [ValidateNotNull] or the parameter's own rule says what is wrong
            string or NerModel or ITokenClassifier => value,
            NerTrainingRun run => run.BestModelPath,
            DirectoryInfo folder => folder.FullName,
            _ => throw new ArgumentTransformationMetadataException(
                $"-Model takes a model folder, a Hugging Face hub id, a training run (Start-BertNerTraining's output) or a model object (Import-BertNerModel's output); got a {value.GetType().Name}."),
        };
    }
}
