using BertNer.Tests.Support;
using BertNer.Training;
using Xunit.Abstractions;

namespace BertNer.Tests.Reliability;

/// <summary>
/// -Resume from a last/ folder damaged by hand or by a disk: each of its files deleted, truncated, replaced by
/// garbage, or edited to absurd values. Resuming either works or fails with a BertNerException; it never crashes
/// and never trains on a half-loaded optimizer.
/// </summary>
public class ResumeDamageFuzzTests(ITestOutputHelper output)
{
    private static readonly string[] Files =
    {
        RunFolder.StateFile, RunFolder.OptimizerFile, RunFolder.RngFile, "config.json", "model.safetensors", "vocab.txt",
        "tokenizer_config.json", "special_tokens_map.json",
    };

    [Fact]
    public void A_damaged_checkpoint_resumes_or_fails_with_a_typed_error()
    {
        var run = new FuzzRun("damaged last/ (Trainer.Run with -Resume)", output);
        using var dir = new TempDir();
        using (var tiny = TinyModel.Create(dir["tiny-src"])) tiny.Save(dir["tiny"]);
        TrainingOptions Options(string outDir, int epochs = 1) => new()
        {
            Model = dir["tiny"], OutputPath = outDir, Epochs = epochs, LearningRate = 2e-3, BatchSize = 8, Device = "Cpu", Seed = 42,
        };
        var train = ToyData.Sentences(16);
        var pristine = dir["pristine"];
        new Trainer(Options(pristine)).Run(train, null, resume: false);

        var edits = new (string Name, Func<Random, byte[], byte[]?> Apply)[]
        {
            ("deleted", (_, _) => null),
            ("emptied", (_, _) => Array.Empty<byte>()),
            ("damaged", (rng, b) => FuzzInputs.Damage(rng, b).Data),
            ("damaged", (rng, b) => FuzzInputs.Damage(rng, b).Data),
        };
        int seed = 0;
        foreach (var file in Files)
        foreach (var (name, apply) in edits)
        {
            var rng = new Random(seed++);
            var runDir = dir[$"case-{seed}"];
            CopyFolder(pristine, runDir);
            var path = Path.Combine(runDir, "last", file);
            var damaged = apply(rng, File.ReadAllBytes(path));
            if (damaged is null) File.Delete(path); else File.WriteAllBytes(path, damaged);
            run.Case($"{file} {name} (seed {seed})", () => new Trainer(Options(runDir, epochs: 2)).Run(train, null, resume: true));
        }
        // trainer_state.json with values a hand edit could leave.
        foreach (var (find, replace) in new[] { ("\"Epoch\": 2", "\"Epoch\": -5"), ("\"GlobalStep\": 2", "\"GlobalStep\": -1"), ("\"Labels\": [", "\"Labels\": [ \"O\", ") })
        {
            var runDir = dir[$"state-{find.Length}-{replace.Length}"];
            CopyFolder(pristine, runDir);
            var path = Path.Combine(runDir, "last", RunFolder.StateFile);
            File.WriteAllText(path, File.ReadAllText(path).Replace(find, replace));
            run.Case($"{RunFolder.StateFile} {replace}", () => new Trainer(Options(runDir, epochs: 2)).Run(train, null, resume: true));
        }
        run.AssertAllTyped();
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (var d in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(d.Replace(from, to));
        Directory.CreateDirectory(to);
        foreach (var f in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(f, f.Replace(from, to));
    }
}
