using BertNer.Hub;

namespace BertNer.Hub;

/// <summary>
/// What every <c>-Model</c> argument goes through: an existing folder is used as it is; otherwise a Hugging Face
/// model id (<c>bert-base-cased</c>, <c>dslim/bert-base-NER@main</c>) is resolved through the shared cache,
/// downloading what is missing. Anything else is an error saying it is neither.
/// </summary>
public static class ModelLocator
{
    /// <summary>The local folder for <paramref name="modelArgument"/>.</summary>
    /// <param name="baseDirectory">What a relative folder is relative to (PowerShell's current location, which is not the process's); default the process's.</param>
    public static string Resolve(string modelArgument, HubOptions? options = null, IProgress<HubDownloadProgress>? progress = null,
        CancellationToken ct = default, string? baseDirectory = null) =>
        Locate(modelArgument, options, progress, ct, baseDirectory).Path;

    /// <summary>Like <see cref="Resolve"/>, also telling whether the folder is a hub snapshot (with its commit and warnings).</summary>
    public static ModelLocation Locate(string modelArgument, HubOptions? options = null, IProgress<HubDownloadProgress>? progress = null,
        CancellationToken ct = default, string? baseDirectory = null)
    {
        if (string.IsNullOrWhiteSpace(modelArgument))
            throw new BertNerException(BertNerErrorKind.InvalidArgument,
                "The model is empty. Give a model folder or a Hugging Face model id such as 'bert-base-cased'.", "Model");
        var folder = AsLocalPath(modelArgument, baseDirectory);
        if (Directory.Exists(folder)) return new ModelLocation(folder, null);
        if (File.Exists(folder))
            throw new BertNerException(BertNerErrorKind.InvalidArgument,
                $"'{modelArgument}' is a file; give the model's folder (the one holding config.json), or a Hugging Face model id.", modelArgument);
        if (LooksLikePath(modelArgument))
            throw new BertNerException(BertNerErrorKind.ObjectNotFound,
                $"Model folder '{folder}' does not exist. Give a Hugging Face model folder (config.json, vocab.txt, model.safetensors), a training run's best/ folder, or a hub id such as 'bert-base-cased'.", modelArgument);
        if (!HubModelId.TryParse(modelArgument, out var id, out var problem))
            throw new BertNerException(BertNerErrorKind.ObjectNotFound,
                $"'{modelArgument}' is neither an existing folder ('{folder}' does not exist) nor a valid Hugging Face model id: {problem}", modelArgument);
        try
        {
            return new ModelLocation(new HubSnapshotResolver(options).ResolveAsync(id!, progress, ct).GetAwaiter().GetResult());
        }
        catch (BertNerException e) when (e.Kind == BertNerErrorKind.ObjectNotFound)
        {
            throw new BertNerException(e.Kind, $"'{modelArgument}' is not an existing folder, so it was looked up as a Hugging Face model id: {e.Message}", e.Target, e);
        }
    }

    private static string AsLocalPath(string argument, string? baseDirectory)
    {
        var path = argument.Trim();
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (path == "~") path = home;
        else if (path.StartsWith("~/", StringComparison.Ordinal) || path.StartsWith("~\\", StringComparison.Ordinal)) path = Path.Combine(home, path[2..]);
        return Path.GetFullPath(path, baseDirectory ?? Directory.GetCurrentDirectory());
    }

    // Rooted, ./-relative, ~ or backslashed arguments are meant as folders, never as hub ids.
    private static bool LooksLikePath(string s) =>
        Path.IsPathRooted(s) || s.StartsWith("./", StringComparison.Ordinal) || s.StartsWith("../", StringComparison.Ordinal)
        || s.StartsWith("~", StringComparison.Ordinal) || s.Contains('\\') || s == "." || s == ".." || s.Count(c => c == '/') > 1;
}
