using BertNer.Data;

namespace BertNer.Tests.Architecture;

/// <summary>
/// The engine's folders are layers (docs/design.md, "The engine's folders"): a type may use types of its own
/// layer and of the layers below it, never above. Read from the compiled engine, so a `using` that is not needed
/// does not count and a fully qualified name does. Constants are copied into the code that uses them by the
/// compiler and leave no reference behind; the build still refuses a folder move that breaks one.
/// </summary>
public class LayeringTests
{
    /// <summary>Lowest first. Namespaces in one row are siblings: neither may use the other.</summary>
    public static readonly string[][] Layers =
    [
        ["BertNer"],                                        // BertNerException, MessageText, StrictJson
        ["BertNer.Testing"],                                // fault-injection hooks
        ["BertNer.IO"],                                     // whole-or-nothing file writes
        ["BertNer.Hub"],                                    // Hugging Face Hub client and cache, -Model resolution (no torch)
        ["BertNer.Runtime"],                                // libtorch start-up, allocator, memory guard, threads
        ["BertNer.Data"],                                   // CoNLL files, tag schemes, entity spans
        ["BertNer.Tokenization"],                           // text → words → WordPiece sub-tokens
        ["BertNer.Features", "BertNer.Checkpoints"],        // model inputs and batches; weight files
        ["BertNer.Modeling"],                               // the network and the loaded model
        ["BertNer.Inference"],                              // text → entities
        ["BertNer.Evaluation", "BertNer.Onnx", "BertNer.Reports"], // scoring; ONNX export and backend; HTML
        ["BertNer.Training"],                               // the run: loop, optimizer, run folder, report
    ];

    private static readonly Lazy<IReadOnlyDictionary<string, SortedSet<string>>> Engine =
        new(() => TypeReferences.Read(typeof(BertNerException).Assembly.Location));

    private static string NamespaceOf(string fullName) =>
        fullName.LastIndexOf('.') is var i and >= 0 ? fullName[..i] : "";

    private static bool IsCompilerGenerated(string fullName) =>
        fullName.StartsWith('<') || NamespaceOf(fullName) == "System.Text.RegularExpressions.Generated";

    /// <summary>Every violation as "Data.EntitySpan → Evaluation.X (Data is below Evaluation)"; empty when the layers hold.</summary>
    public static List<string> Violations(IReadOnlyDictionary<string, SortedSet<string>> references, string[][] layers)
    {
        var rank = new Dictionary<string, int>();
        for (var i = 0; i < layers.Length; i++) foreach (var ns in layers[i]) rank[ns] = i;
        static string Short(string name) => name.StartsWith("BertNer.", StringComparison.Ordinal) ? name["BertNer.".Length..] : name;

        var problems = new List<string>();
        foreach (var (type, used) in references)
        {
            if (IsCompilerGenerated(type)) continue;
            var from = NamespaceOf(type);
            if (!rank.TryGetValue(from, out var fromRank))
            {
                problems.Add($"{type}: namespace {from} has no layer; add it to {nameof(LayeringTests)}.{nameof(Layers)} and docs/design.md.");
                continue;
            }
            foreach (var target in used)
            {
                if (IsCompilerGenerated(target)) continue;
                var to = NamespaceOf(target);
                if (to == from || !rank.TryGetValue(to, out var toRank)) continue; // same namespace; unknown ones are reported as 'from'
                if (toRank > fromRank)
                    problems.Add($"{Short(type)} → {Short(target)}: {Short(from == "" ? "BertNer" : from)} is below {Short(to)}.");
                else if (toRank == fromRank)
                    problems.Add($"{Short(type)} → {Short(target)}: {Short(from)} and {Short(to)} are siblings and must not use each other.");
            }
        }
        return problems;
    }

    [Fact]
    public void NoLayerUsesOneAboveIt()
    {
        var problems = Violations(Engine.Value, Layers);
        Assert.True(problems.Count == 0,
            "The engine's layers are one-way (docs/design.md); these references go up or sideways:\n" + string.Join("\n", problems));
    }

    [Fact]
    public void ReferencesInMethodBodiesAreSeen()
    {
        // EntitySpan uses ConllChunkRules only inside a method body: a reader that saw signatures alone would miss it.
        Assert.Contains(typeof(ConllChunkRules).FullName!, Engine.Value[typeof(EntitySpan).FullName!]);
    }

    [Fact]
    public void AnUpwardReferenceIsReported()
    {
        // The real engine read against a table with Data above Training: Training's use of NerSentence must now fail.
        var upsideDown = Layers.Select(row => row.Where(ns => ns != "BertNer.Data").ToArray()).Append(["BertNer.Data"]).ToArray();
        var problems = Violations(Engine.Value, upsideDown);
        Assert.Contains(problems, p => p.StartsWith("Training.", StringComparison.Ordinal) && p.Contains("→ Data.NerSentence", StringComparison.Ordinal));
    }
}
