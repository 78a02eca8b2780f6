using BertNer.Training;

namespace BertNer.PowerShell.Completion;

/// <summary>A local folder -Model can take: a checkpoint of a training run, or any Hugging Face model folder.</summary>
/// <param name="Path">The full path.</param>
/// <param name="Description">What it is, for the completion tooltip.</param>
internal sealed record ModelFolder(string Path, string Description);

/// <summary>
/// Finds model folders under a folder for tab completion: run folders (with metrics.jsonl or trainer_state.json)
/// offer their checkpoints best/, last/ and epoch-N/; any other folder with a config.json is a model itself.
/// Checkpoints come first (they are what -Model usually means), then the other model folders. The walk is
/// breadth-first, shallow and capped, so pressing Tab in a home folder stays instant.
/// </summary>
internal static class ModelFolderSearch
{
    private const string ModelConfig = "config.json";

    public static List<ModelFolder> Find(string root, int maxDepth = 3, int maxFolders = 2000)
    {
        var checkpoints = new List<ModelFolder>();
        var models = new List<ModelFolder>();
        var queue = new Queue<(string Folder, int Depth)>();
        queue.Enqueue((root, 0));
        int visited = 0;
        while (queue.Count > 0 && visited++ < maxFolders)
        {
            var (folder, depth) = queue.Dequeue();
            try
            {
                if (IsRunFolder(folder))
                {
                    checkpoints.AddRange(Checkpoints(folder));
                    continue; // a run's sub-folders are its checkpoints, already listed
                }
                if (File.Exists(System.IO.Path.Combine(folder, ModelConfig)))
                {
                    models.Add(new ModelFolder(folder, $"model folder {folder}"));
                    continue;
                }
                if (depth == maxDepth) continue;
                foreach (var sub in Directory.EnumerateDirectories(folder).OrderBy(d => d, StringComparer.OrdinalIgnoreCase))
                {
                    var name = System.IO.Path.GetFileName(sub);
                    if (name.StartsWith('.') || name == "node_modules") continue; // caches, VCS data, staging folders
                    queue.Enqueue((sub, depth + 1));
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // an unreadable folder offers nothing
            }
        }
        return checkpoints.Concat(models).ToList();
    }

    private static bool IsRunFolder(string folder) =>
        File.Exists(System.IO.Path.Combine(folder, RunFolder.MetricsFile))
        || File.Exists(System.IO.Path.Combine(folder, RunFolder.StateFile))
        || File.Exists(System.IO.Path.Combine(folder, "last", RunFolder.StateFile));

    private static IEnumerable<ModelFolder> Checkpoints(string run)
    {
        var named = new[] { ("best", "best checkpoint"), ("last", "last checkpoint (resumable)") };
        foreach (var (name, what) in named)
        {
            var path = System.IO.Path.Combine(run, name);
            if (Directory.Exists(path)) yield return new ModelFolder(path, $"{what} of the run {run}");
        }
        var epochs = Directory.EnumerateDirectories(run, "epoch-*")
            .Select(d => (Path: d, Number: int.TryParse(System.IO.Path.GetFileName(d)["epoch-".Length..], out var n) ? n : -1))
            .Where(e => e.Number >= 0)
            .OrderBy(e => e.Number);
        foreach (var (path, number) in epochs) yield return new ModelFolder(path, $"checkpoint after epoch {number} of the run {run}");
    }
}
