using System.Management.Automation;
using BertNer.Modeling;

namespace BertNer.PowerShell.Support;

/// <summary>-Model accepts a folder path, a hub id or a model object (from Import-BertNerModel or a run).</summary>
internal static class ModelArgument
{
    /// <summary>The folder or id the argument names; a model object gives its source folder.</summary>
    public static string ToLocation(PSCmdlet cmdlet, object model)
    {
        var v = model is PSObject pso ? pso.BaseObject : model;
        switch (v)
        {
            case NerModel m when m.SourcePath != null: return m.SourcePath;
            case BertNer.Training.NerTrainingRun r: return r.BestModelPath;
            case DirectoryInfo d: return d.FullName;
            case string s when s.Length > 0:
                var path = cmdlet.GetUnresolvedProviderPathFromPSPath(s);
                return Directory.Exists(path) || LooksLikePath(s) ? path : s;
            default:
                throw new BertNerException(BertNerErrorKind.InvalidArgument,
                    $"-Model takes a model folder, a Hugging Face hub id or a model object; got {(v?.GetType().Name ?? "null")}.", "Model");
        }
    }

    private static bool LooksLikePath(string s) =>
        s.StartsWith('.') || s.StartsWith('/') || s.StartsWith('~') || s.Contains('\\') || (s.Length > 1 && s[1] == ':') || s.Count(c => c == '/') > 1;
}
