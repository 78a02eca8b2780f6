using System.Management.Automation;

namespace BertNer.PowerShell.Support;

/// <summary>Turns a -Model argument into a local model folder (hub ids are resolved once the hub cache lands).</summary>
internal static class ModelResolver
{
    public static string Resolve(PSCmdlet cmdlet, object model)
    {
        var location = ModelArgument.ToLocation(cmdlet, model);
        if (Directory.Exists(location)) return location;
        throw new BertNerException(BertNerErrorKind.ObjectNotFound,
            $"Model '{location}' is not a folder. Give a Hugging Face model folder or a training run's best/ folder.", "Model");
    }
}
