using System.Text.Json.Nodes;

namespace BertNer.Tests.Support;

/// <summary>
/// Finds ../shared (beside the repo checkout, or $BERTNER_SHARED). Tests that need it call
/// <see cref="Require"/>, which skips them with a clear message when it is absent.
/// </summary>
public static class SharedAssets
{
    private static readonly Lazy<string?> Root = new(Find);

    public static string? Folder => Root.Value;

    public static string Require(string relative)
    {
        Skip.If(Folder is null, "../shared is absent (no real model, data or golden files): this test needs it and is skipped.");
        var p = Path.Combine(Folder!, relative);
        Skip.IfNot(File.Exists(p) || Directory.Exists(p), $"../shared has no '{relative}': skipped.");
        return p;
    }

    public static string MiniLm => Require("models/minilm-l6-h384-uncased");

    public static JsonNode Golden(string name) => JsonNode.Parse(File.ReadAllText(Require(Path.Combine("golden", name))))!;

    public static string RepoRoot
    {
        get
        {
            for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "BertNer.slnx"))) return d.FullName;
            throw new InvalidOperationException("Cannot find the repository root (BertNer.slnx) above " + AppContext.BaseDirectory);
        }
    }

    private static string? Find()
    {
        var env = Environment.GetEnvironmentVariable("BERTNER_SHARED");
        if (!string.IsNullOrEmpty(env)) return Directory.Exists(env) ? Path.GetFullPath(env) : null;
        var p = Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared"));
        return Directory.Exists(p) ? p : null;
    }
}
