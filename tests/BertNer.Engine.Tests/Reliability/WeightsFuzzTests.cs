using System.Buffers.Binary;
using System.Collections.Specialized;
using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using BertNer.Checkpoints;
using BertNer.Modeling;
using BertNer.Tests.Support;
using TorchSharp.PyBridge;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace BertNer.Tests.Reliability;

/// <summary>
/// Weights files, damaged: safetensors with a truncated body, a header length past the end, wrong dtypes, shapes
/// and offsets, a name twice, NaN/Inf values; sharded indexes naming odd shards; pytorch_model.bin damaged.
/// Reading ends in tensors or a BertNerException naming the file; loading a model from them ends in a model
/// whose every weight is finite, or a BertNerException.
/// </summary>
public class WeightsFuzzTests(ITestOutputHelper output)
{
    private static readonly string[] DTypes = { "F32", "F16", "BF16", "F64", "I64", "I32", "I16", "I8", "U8", "BOOL", "F8_E4M3", "f32", "", "X" };

    [Fact]
    public void Damaged_safetensors_read_and_load_or_fail_with_typed_errors()
    {
        var reads = new FuzzRun("model.safetensors (SafeTensors.Load)", output);
        var loads = new FuzzRun("model.safetensors in a model folder (NerModel.Load)", output);
        using var dir = new TempDir();
        using (var tiny = TinyModel.Create(dir["src"])) tiny.Save(dir["model"]);
        var path = Path.Combine(dir["model"], StateDictFile.SafeTensorsName);
        var original = File.ReadAllBytes(path);

        for (int seed = 0; seed < 800; seed++)
        {
            var rng = new Random(seed);
            var (bytes, what) = rng.Next(5) == 0 ? FuzzInputs.Damage(rng, original) : MutateStructure(rng, original);
            File.WriteAllBytes(path, bytes);
            reads.Case($"seed {seed} ({what})", () =>
            {
                var tensors = SafeTensors.Load(path);
                try
                {
                    foreach (var t in tensors.Values) Assert.True(t.numel() >= 0);
                }
                finally
                {
                    foreach (var t in tensors.Values) t.Dispose();
                }
            });
            loads.Case($"seed {seed} ({what})", () => LoadsFinite(dir["model"]));
        }
        File.WriteAllBytes(path, original);
        reads.AssertAllTyped();
        loads.AssertAllTyped();
    }

    [Fact]
    public void Sharded_indexes_naming_odd_shards_load_or_fail_with_typed_errors()
    {
        var run = new FuzzRun("model.safetensors.index.json (StateDictFile.Read)", output);
        using var dir = new TempDir();
        using (var tiny = TinyModel.Create(dir["src"])) tiny.Save(dir["model"]);
        var folder = dir["model"];
        var weights = SafeTensors.Load(Path.Combine(folder, StateDictFile.SafeTensorsName));
        File.Delete(Path.Combine(folder, StateDictFile.SafeTensorsName));
        // Two real shards, so a valid index exists to mutate.
        var names = weights.Keys.OrderBy(k => k, StringComparer.Ordinal).ToList();
        var shardOf = names.ToDictionary(n => n, n => names.IndexOf(n) % 2 == 0 ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors");
        foreach (var shard in shardOf.Values.Distinct())
            SafeTensors.Save(Path.Combine(folder, shard), weights.Where(kv => shardOf[kv.Key] == shard));
        foreach (var t in weights.Values) t.Dispose();
        File.WriteAllText(dir["outside.safetensors"], "not weights");
        var index = Path.Combine(folder, "model.safetensors.index.json");
        string[] odd =
        {
            "../outside.safetensors", "/etc/passwd", "sub/../../outside.safetensors", "model.safetensors.index.json", "./model-00001-of-00002.safetensors",
            "missing.safetensors", "model-00001-of-00002.safetensors/", "", "a\\b.safetensors", "C:x.safetensors", "pytorch_model.bin", "config.json", "vocab.txt",
            "model-00001-of-00002.safetensors\u0000.txt", new string('a', 600) + ".safetensors", "..", ".",
        };

        for (int seed = 0; seed < 300; seed++)
        {
            var rng = new Random(seed);
            var map = new JsonObject();
            var what = new List<string>();
            foreach (var n in names)
            {
                if (rng.Next(names.Count) == 0) { map[n] = odd[rng.Next(odd.Length)]; what.Add($"{n}→{map[n]!.GetValue<string>()[..Math.Min(40, map[n]!.GetValue<string>().Length)]}"); }
                else if (rng.Next(names.Count * 4) == 0) { map[n] = rng.Next(2) == 0 ? 3 : null; what.Add($"{n}→not a string"); }
                else if (rng.Next(names.Count * 4) != 0) map[n] = shardOf[n];
                else what.Add($"without {n}");
            }
            var root = new JsonObject { ["metadata"] = new JsonObject { ["total_size"] = 1 }, ["weight_map"] = map };
            var text = rng.Next(10) switch
            {
                0 => "{\"weight_map\": 5}",
                1 => "[]",
                2 => "{}",
                _ => root.ToJsonString(),
            };
            var bytes = Encoding.UTF8.GetBytes(text);
            if (rng.Next(6) == 0) { (bytes, var d) = FuzzInputs.Damage(rng, bytes); what.Add(d); }
            File.WriteAllBytes(index, bytes);
            run.Case($"seed {seed} ({string.Join(", ", what)})", () =>
            {
                var read = StateDictFile.Read(index);
                foreach (var t in read.Values) t.Dispose();
                LoadsFinite(folder);
            });
        }
        run.AssertAllTyped();
    }

    [Fact]
    public void Damaged_pytorch_model_bin_is_read_by_the_restricted_reader_or_fails_with_typed_errors()
    {
        var run = new FuzzRun("pytorch_model.bin (StateDictFile.Read)", output);
        using var dir = new TempDir();
        using (var tiny = TinyModel.Create(dir["src"])) tiny.Save(dir["model"]);
        var folder = dir["model"];
        var st = Path.Combine(folder, StateDictFile.SafeTensorsName);
        var weights = SafeTensors.Load(st);
        File.Delete(st);
        var bin = Path.Combine(folder, StateDictFile.PyTorchName);
        // In name order (a Hashtable's order follows string hashes, which change from process to process).
        var ordered = new OrderedDictionary();
        foreach (var (k, t) in weights.OrderBy(kv => kv.Key, StringComparer.Ordinal)) ordered.Add(k, t);
        PyTorchPickler.PickleStateDict(bin, ordered);
        foreach (var t in weights.Values) t.Dispose();
        // The zip entries carry the time of writing; a fixed time makes the file, and so every damaged copy, the same each run.
        using (var zip = ZipFile.Open(bin, ZipArchiveMode.Update))
            foreach (var entry in zip.Entries) entry.LastWriteTime = new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var original = File.ReadAllBytes(bin);
        using (var m = NerModel.Load(folder, device: "Cpu")) Assert.Equal(TinyModel.Labels, m.Labels);

        for (int seed = 0; seed < 300; seed++)
        {
            var rng = new Random(seed);
            var (bytes, what) = FuzzInputs.Damage(rng, original);
            File.WriteAllBytes(bin, bytes);
            run.Case($"seed {seed} ({what})", () =>
            {
                var read = StateDictFile.Read(bin);
                foreach (var t in read.Values) t.Dispose();
                LoadsFinite(folder);
            });
        }
        run.AssertAllTyped();
    }

    private static void LoadsFinite(string folder)
    {
        using var m = NerModel.Load(folder, device: "Cpu");
        foreach (var (name, p) in m.Classifier!.named_parameters())
            Assert.True(p.isfinite().all().item<bool>(), $"{name} has NaN or Inf after loading");
    }

    /// <summary>One structural change to the header (dtype, shape, offsets, names, metadata, length field) or NaN/Inf in the data.</summary>
    private static (byte[] Bytes, string What) MutateStructure(Random rng, byte[] file)
    {
        long headerLen = BinaryPrimitives.ReadInt64LittleEndian(file);
        var header = JsonNode.Parse(file.AsSpan(8, (int)headerLen))!.AsObject();
        var data = file.AsSpan(8 + (int)headerLen).ToArray();
        var names = header.Select(kv => kv.Key).Where(k => k != "__metadata__").ToList();
        var name = names[rng.Next(names.Count)];
        var entry = header[name]!.AsObject();
        string what;
        string? rawHeader = null;
        long? lengthField = null;
        switch (rng.Next(10))
        {
            case 0:
                var dtype = DTypes[rng.Next(DTypes.Length)];
                entry["dtype"] = rng.Next(8) == 0 ? JsonValue.Create(3) : dtype;
                what = $"{name} dtype {entry["dtype"]!.ToJsonString()}";
                break;
            case 1:
            {
                var shape = entry["shape"]!.AsArray().Select(x => x!.GetValue<long>()).ToList();
                switch (rng.Next(6))
                {
                    case 0: shape[rng.Next(shape.Count)] = -1; break;
                    case 1: shape[rng.Next(shape.Count)] = 1L << 40; break;
                    case 2: shape.Add(1); break;
                    case 3: shape.RemoveAt(0); break;
                    case 4: shape = shape.AsEnumerable().Reverse().ToList(); break;
                    default: shape[rng.Next(shape.Count)] += 1; break;
                }
                entry["shape"] = new JsonArray(shape.Select(d => (JsonNode)JsonValue.Create(d)!).ToArray());
                what = $"{name} shape [{string.Join(", ", shape)}]";
                break;
            }
            case 2:
            {
                var node = rng.Next(5) switch
                {
                    0 => JsonNode.Parse("[1.5, 2]"), 1 => JsonNode.Parse("[null, 2]"), 2 => JsonNode.Parse("[\"0\", \"4\"]"), 3 => JsonNode.Parse("{}"), _ => JsonNode.Parse("\"x\""),
                };
                entry[rng.Next(2) == 0 ? "shape" : "data_offsets"] = node;
                what = $"{name} odd shape or offsets {node!.ToJsonString()}";
                break;
            }
            case 3:
            {
                var offs = entry["data_offsets"]!.AsArray().Select(x => x!.GetValue<long>()).ToArray();
                long[] bad = rng.Next(6) switch
                {
                    0 => new[] { offs[1], offs[0] },
                    1 => new[] { -4L, offs[1] },
                    2 => new[] { offs[0], data.LongLength + 4 },
                    3 => new[] { 0L, offs[1] - offs[0] },
                    4 => new[] { offs[0], offs[1], offs[1] },
                    _ => new[] { offs[0] + 4, offs[1] + 4 },
                };
                entry["data_offsets"] = new JsonArray(bad.Select(d => (JsonNode)JsonValue.Create(d)!).ToArray());
                what = $"{name} offsets [{string.Join(", ", bad)}]";
                break;
            }
            case 4:
                header.Remove(name);
                what = $"without {name}";
                break;
            case 5:
            {
                // The same name twice: JsonObject cannot hold that, so it is written into the text.
                var text = header.ToJsonString();
                var other = names[rng.Next(names.Count)];
                var second = $"\"{name}\":{header[other]!.ToJsonString()},";
                rawHeader = text.Insert(1, second);
                what = $"{name} twice";
                break;
            }
            case 6:
                header["__metadata__"] = rng.Next(2) == 0 ? JsonValue.Create(5) : new JsonObject { ["format"] = new JsonArray() };
                what = "odd __metadata__";
                break;
            case 7:
                lengthField = rng.Next(6) switch { 0 => -1, 1 => 0, 2 => 1, 3 => long.MaxValue, 4 => headerLen + data.Length + 1, _ => headerLen - 1 - rng.Next(20) };
                what = $"header length {lengthField}";
                break;
            default:
            {
                // NaN or Inf in a float tensor: a corrupt checkpoint that reads fine.
                var f = names.Where(n => header[n]!["dtype"]!.GetValue<string>() == "F32").ToList();
                var target = f[rng.Next(f.Count)];
                var offs = header[target]!["data_offsets"]!.AsArray().Select(x => x!.GetValue<long>()).ToArray();
                int count = (int)(offs[1] - offs[0]) / 4;
                float value = rng.Next(3) switch { 0 => float.NaN, 1 => float.PositiveInfinity, _ => float.NegativeInfinity };
                BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan((int)offs[0] + 4 * rng.Next(count)), value);
                what = $"{value} in {target}";
                break;
            }
        }
        var json = Encoding.UTF8.GetBytes(rawHeader ?? header.ToJsonString());
        var bytes = new byte[8 + json.Length + data.Length];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, lengthField ?? json.Length);
        json.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + json.Length);
        return (bytes, what);
    }
}
