using System.Management.Automation;
using BertNer.Hub;
using BertNer.Modeling;

namespace BertNer.PowerShell.Support;

/// <summary>
/// Turns a -Model argument (after <see cref="ModelArgumentAttribute"/>: a string or a model object) into a local model
/// folder: a model object gives its folder, a path is taken relative to PowerShell's current location, and anything
/// else is looked up as a Hugging Face hub id (downloaded into the shared cache with Write-Progress, or taken from it).
/// Call on the cmdlet's thread.
/// </summary>
internal static class ModelResolver
{
    /// <summary>-Model as something that scores sentences: a model object as it is, anything else resolved to a
    /// folder and loaded (once per session) on the backend asked for.</summary>
    public static Inference.ITokenClassifier ResolveClassifier(PSCmdlet cmdlet, object model, string device, Inference.InferenceBackend backend, CancellationToken ct = default)
    {
        var v = model is PSObject pso ? pso.BaseObject : model;
        if (v is Inference.ITokenClassifier classifier) return classifier;
        if (v is NerModel m)
        {
            if (backend == Inference.InferenceBackend.Onnx)
                throw new BertNerException(BertNerErrorKind.InvalidArgument,
                    $"-Backend Onnx runs an exported folder, and '{m.Name}' is a model object loaded with libtorch. Give the folder Export-BertNerModel wrote, or leave -Backend out.", "Backend");
            return new Inference.TorchTokenClassifier(m);
        }
        var folder = Resolve(cmdlet, model, ct);
        RuntimeFirstUse.Prepare(cmdlet, ModelCache.RuntimeFor(folder, backend), ct);
        return ModelCache.GetClassifier(folder, device, backend);
    }

    public static string Resolve(PSCmdlet cmdlet, object model, CancellationToken ct = default)
    {
        var v = model is PSObject pso ? pso.BaseObject : model;
        switch (v)
        {
            case NerModel m when m.SourcePath != null: return m.SourcePath;
            case NerModel m:
                throw new BertNerException(BertNerErrorKind.InvalidArgument,
                    $"The model object '{m.Name}' was made in memory and has no folder. Save it with its Save method, then give that folder.", "Model");
            case string s:
                var baseDir = cmdlet.SessionState.Path.CurrentFileSystemLocation.ProviderPath;
                var location = BackgroundWork.Run<ModelLocation, Hub.HubDownloadProgress>(
                    (progress, token) => ModelLocator.Locate(s, null, progress, token, baseDir),
                    p => cmdlet.WriteProgress(HubProgressRecords.From(p, 41)), ct);
                foreach (var w in location.Warnings) cmdlet.WriteWarning(w);
                return location.Path;
            default:
                // ModelArgumentAttribute refuses other types while -Model binds; this is for callers that skip binding.
                throw new BertNerException(BertNerErrorKind.InvalidArgument,
                    $"-Model takes a model folder, a Hugging Face hub id or a model object; got {(v?.GetType().Name ?? "null")}.", "Model");
        }
    }
}
