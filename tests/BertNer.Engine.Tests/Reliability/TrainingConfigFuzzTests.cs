using System.Text;
using BertNer.Training;
using BertNer.Tests.Support;
using Xunit.Abstractions;

namespace BertNer.Tests.Reliability;

/// <summary>
/// Training YAML with wrong types, missing, unknown and repeated keys, absurd values, YAML oddities (tags, anchors,
/// block scalars, several documents, deep nesting) and damaged bytes. Every file gives options that pass
/// validation and survive a save/load round trip, or a BertNerException naming file:line.
/// </summary>
public class TrainingConfigFuzzTests(ITestOutputHelper output)
{
    private static readonly string[] Values =
    {
        "", "~", "null", "Null", "true", "false", "yes", "no", "on", "True", "0", "1", "-1", "3", "8", "42", "1000", "1001", "4096", "4097", "65536",
        "2147483647", "2147483648", "-2147483648", "99999999999999999999", "1_000", "0x10", "0o17", "1e400", "-1e400", ".inf", "-.inf", ".nan", "NaN",
        "2e-5", "2.0e-05", "0.0", "1.0", "1.5", "1e-300", "5e-324", "0.999999", "0.9999999999", "'3'", "\"2e-5\"", "'cpu'", "Cpu", "cuda", "tpu",
        "[O, B-PER, I-PER]", "[O, B-PER]", "[O, O]", "[X-PER]", "[]", "[[O]]", "{a: 1}", "{}", "!!binary aGVsbG8=", "!!str 3", "!!int '3'", "!!float 1",
        "&anchor 5", "*anchor", "|\n  block\n  text", ">-\n  folded", "'it''s'", "\"tab\\there\"", "\"\\u0000\"", "'\u00e9t\u00e9'", "runs/x: y",
        "- a\n- b", "? complex\n: key", "runs/#comment", "'   '", new string('9', 400), new string('x', 20_000),
        new string('[', 40) + new string(']', 40), new string('[', 30_000) + new string(']', 30_000),
    };

    [Fact]
    public void Damaged_and_odd_yaml_gives_valid_options_or_typed_errors()
    {
        var run = new FuzzRun("training YAML (TrainingConfigFile.Load)", output);
        using var dir = new TempDir();
        var defaults = TrainingConfigFile.ToYaml(new TrainingOptions(), "BertNer training config");
        var path = dir["train.yaml"];
        for (int seed = 0; seed < 1500; seed++)
        {
            var rng = new Random(seed);
            var (bytes, what) = Mutate(rng, defaults);
            File.WriteAllBytes(path, bytes);
            run.Case($"seed {seed} ({what})", () =>
            {
                TrainingOptions o;
                try { o = TrainingConfigFile.Load(path); }
                catch (BertNerException e)
                {
                    Assert.StartsWith(path, e.Target);
                    throw;
                }
                o.Validate(path);
                var saved = dir["saved.yaml"];
                TrainingConfigFile.Save(saved, o, "round trip");
                Assert.Equal(TrainingConfigFile.ToYaml(o, "x"), TrainingConfigFile.ToYaml(TrainingConfigFile.Load(saved), "x"));
            });
        }
        run.AssertAllTyped();
    }

    private static (byte[] Bytes, string What) Mutate(Random rng, string defaults)
    {
        var lines = defaults.Split('\n').ToList();
        var keyLines = Enumerable.Range(0, lines.Count).Where(i => lines[i].Length > 0 && lines[i][0] != '#').ToList();
        var what = new List<string>();
        int edits = rng.Next(0, 4);
        for (int e = 0; e < edits; e++)
        {
            int i = keyLines[rng.Next(keyLines.Count)];
            var key = lines[i].Split(':')[0];
            switch (rng.Next(6))
            {
                case 0:
                    lines[i] = "";
                    what.Add($"without {key}");
                    break;
                case 1:
                    var unknown = rng.Next(3) switch { 0 => key + "s", 1 => key.ToUpperInvariant(), _ => FuzzInputs.Text(rng, 1).Replace("\n", "") };
                    lines.Add($"{unknown}: 1");
                    what.Add("unknown key");
                    break;
                case 2:
                    lines.Add(lines[i]);
                    what.Add($"{key} twice");
                    break;
                default:
                    var value = Values[rng.Next(Values.Length)];
                    lines[i] = $"{key}: {value}";
                    what.Add($"{key}={(value.Length > 20 ? $"({value.Length} chars)" : value)}");
                    break;
            }
        }
        var text = string.Join(rng.Next(5) == 0 ? "\r\n" : "\n", lines);
        if (rng.Next(15) == 0) { text = "%YAML 1.1\n---\n" + text + "\n---\nepochs: 2\n"; what.Add("two documents"); }
        if (rng.Next(15) == 0) { text = "\t" + text; what.Add("tab indent"); }
        var bytes = Encoding.UTF8.GetBytes(text);
        if (rng.Next(4) == 0)
        {
            (bytes, var d) = FuzzInputs.Damage(rng, bytes);
            what.Add(d);
        }
        return (bytes, string.Join(", ", what));
    }
}
