using System.Text;
using System.Text.Json.Nodes;
using BertNer.Modeling;
using BertNer.Tests.Support;
using Xunit.Abstractions;

namespace BertNer.Tests.Reliability;

/// <summary>
/// config.json with wrong types, missing, unknown and duplicated keys, absurd values and damaged bytes.
/// Every file loads into a config that survives a save/load round trip, or fails with a BertNerException naming
/// the file and, for a bad value, the key. A model folder with such a config loads or fails the same way, and an
/// absurd size never reaches the allocator.
/// </summary>
public class BertConfigFuzzTests(ITestOutputHelper output)
{
    private static readonly string[] Keys =
    {
        "vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size", "hidden_act",
        "hidden_dropout_prob", "attention_probs_dropout_prob", "max_position_embeddings", "type_vocab_size",
        "initializer_range", "layer_norm_eps", "pad_token_id", "classifier_dropout", "position_embedding_type",
        "model_type", "architectures", "id2label", "label2id", "num_labels", "torch_dtype", "transformers_version", "",
    };

    /// <summary>JSON values of every kind and size, as raw text so numbers beyond double and int survive.</summary>
    private static readonly string[] Values =
    {
        "null", "true", "false", "0", "1", "-1", "2", "3", "4", "7", "29", "32", "64", "0.5", "1.5", "-0.0", "1e-12", "1e308", "-1e308", "1e400",
        "2147483647", "2147483648", "-2147483649", "9007199254740993", "1000000000", "4096000", "123456789012345678901234567890",
        "\"\"", "\"gelu\"", "\"relu\"", "\"swish\"", "\"absolute\"", "\"relative_key\"", "\"32\"", "\"\\u0000\"", "\"\\ud800\"",
        "[]", "[1, 2]", "[\"BertModel\"]", "[null]", "{}", "{\"0\": \"O\"}", "{\"0\": \"O\", \"1\": \"B-PER\"}", "{\"1\": \"O\"}",
        "{\"0\": \"O\", \"1\": \"O\"}", "{\"-1\": \"O\"}", "{\"x\": \"O\"}", "{\"0\": 1}", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
    };

    [Fact]
    public void Damaged_and_absurd_configs_load_or_fail_with_typed_errors()
    {
        var run = new FuzzRun("config.json (BertConfig.Load)", output);
        var models = new FuzzRun("config.json in a model folder (NerModel.Load)", output);
        using var dir = new TempDir();
        using (var tiny = TinyModel.Create(dir["src"])) tiny.Save(dir["model"]);
        var configPath = Path.Combine(dir["model"], "config.json");
        var original = File.ReadAllText(configPath);
        var loose = dir["config.json"];

        for (int seed = 0; seed < 1500; seed++)
        {
            var rng = new Random(seed);
            var (text, what) = Mutate(rng, original);
            File.WriteAllBytes(loose, text);
            run.Case($"seed {seed} ({what})", () =>
            {
                BertConfig c;
                try { c = BertConfig.Load(loose); }
                catch (BertNerException e)
                {
                    Assert.StartsWith(loose, e.Target);
                    throw;
                }
                var again = BertConfig.FromJson(c.ToJson());
                Assert.Equal(c.ToJson().ToJsonString(), again.ToJson().ToJsonString());
                Assert.Equal(c.HiddenSize, c.HeadDim * c.NumAttentionHeads);
            });
            // Loading a whole model costs more: every fourth case, on the real weights.
            if (seed % 4 == 0)
            {
                File.WriteAllBytes(configPath, text);
                models.Case($"seed {seed} ({what})", () =>
                {
                    using var m = NerModel.Load(dir["model"], device: "Cpu");
                    Assert.True(m.ParameterCount < 1_000_000);
                });
            }
        }
        File.WriteAllText(configPath, original);
        run.AssertAllTyped();
        models.AssertAllTyped();
    }

    private static (byte[] Text, string What) Mutate(Random rng, string original)
    {
        var what = new List<string>();
        var json = JsonNode.Parse(original)!.AsObject();
        // Values go in as placeholders and are swapped for raw JSON text at the end, so escapes such as "\ud800"
        // (valid JSON text, a lone surrogate once decoded) reach the file exactly.
        var raw = new Dictionary<string, string>();
        string Placeholder(string text)
        {
            var p = $"@@{raw.Count}@@";
            raw[$"\"{p}\""] = text;
            return p;
        }
        int edits = rng.Next(0, 4);
        for (int i = 0; i < edits; i++)
        {
            var key = Keys[rng.Next(Keys.Length)];
            var value = Values[rng.Next(Values.Length)];
            switch (rng.Next(4))
            {
                case 0:
                    json.Remove(key);
                    what.Add($"without {key}");
                    break;
                case 1:
                    var unknown = Escaped(rng.Next(2) == 0 ? "unknown_" + rng.Next(100) : FuzzInputs.Text(rng, 2));
                    json[Placeholder(unknown)] = Placeholder(value);
                    what.Add($"unknown key");
                    break;
                default:
                    json[key] = Placeholder(value);
                    what.Add($"{key}={value}");
                    break;
            }
        }
        var text = json.ToJsonString();
        foreach (var (placeholder, value) in raw) text = text.Replace(placeholder, value);
        if (rng.Next(10) == 0)
        {
            // A key twice: JSON parsers disagree on what that means.
            int brace = text.IndexOf('{');
            text = text.Insert(brace + 1, "\"hidden_size\": 32, ");
            what.Add("hidden_size twice");
        }
        var bytes = Encoding.UTF8.GetBytes(text);
        if (rng.Next(4) == 0)
        {
            (bytes, var d) = FuzzInputs.Damage(rng, bytes);
            what.Add(d);
        }
        return (bytes, string.Join(", ", what));
    }

    /// <summary>A JSON string literal with every non-ASCII UTF-16 unit escaped, lone surrogates included.</summary>
    private static string Escaped(string s) =>
        "\"" + string.Concat(s.Select(c => c is >= ' ' and < (char)0x7F and not '"' and not '\\' ? c.ToString() : $"\\u{(int)c:x4}")) + "\"";
}
