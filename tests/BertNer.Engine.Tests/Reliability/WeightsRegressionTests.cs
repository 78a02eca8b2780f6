using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using BertNer.Checkpoints;
using BertNer.Modeling;
using BertNer.Tests.Support;

namespace BertNer.Tests.Reliability;

/// <summary>Bugs the weights fuzzers found, and the rules that keep weight files from reaching outside their folder.</summary>
public class WeightsRegressionTests
{
    private static (string Folder, string Weights) SavedTiny(TempDir dir)
    {
        using (var tiny = TinyModel.Create(dir["src"])) tiny.Save(dir["model"]);
        return (dir["model"], Path.Combine(dir["model"], StateDictFile.SafeTensorsName));
    }

    private static void RewriteHeader(string path, Func<string, string> edit)
    {
        var file = File.ReadAllBytes(path);
        var len = (int)BinaryPrimitives.ReadInt64LittleEndian(file);
        var header = Encoding.UTF8.GetBytes(edit(Encoding.UTF8.GetString(file, 8, len)));
        var bytes = new byte[8 + header.Length + file.Length - 8 - len];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, header.Length);
        header.CopyTo(bytes, 8);
        file.AsSpan(8 + len).CopyTo(bytes.AsSpan(8 + header.Length));
        File.WriteAllBytes(path, bytes);
    }

    [Fact]
    public void A_tensor_named_twice_in_a_safetensors_header_is_invalid_data()
    {
        // Before: ArgumentException ("An item with the same key has already been added") from JsonObject.
        using var dir = new TempDir();
        var (_, path) = SavedTiny(dir);
        RewriteHeader(path, h =>
        {
            var json = JsonNode.Parse(h)!.AsObject();
            return h.Insert(1, $"\"classifier.bias\":{json["classifier.bias"]!.ToJsonString()},");
        });
        var e = Assert.Throws<BertNerException>(() => SafeTensors.Load(path));
        Assert.Equal(BertNerErrorKind.InvalidData, e.Kind);
        Assert.Equal(path, e.Target);
        Assert.Contains("'classifier.bias' appears twice", e.Message);
    }

    [Theory]
    [InlineData("shape", "[null, 32]")]
    [InlineData("shape", "[1.5, 32]")]
    [InlineData("data_offsets", "[null, 4]")]
    [InlineData("data_offsets", "[\"0\", \"4\"]")]
    public void A_shape_or_offset_that_is_not_a_whole_number_is_invalid_data(string field, string value)
    {
        // Before: NullReferenceException for a null element.
        using var dir = new TempDir();
        var (_, path) = SavedTiny(dir);
        RewriteHeader(path, h =>
        {
            var json = JsonNode.Parse(h)!.AsObject();
            json["classifier.weight"]![field] = JsonNode.Parse(value);
            return json.ToJsonString();
        });
        var e = Assert.Throws<BertNerException>(() => SafeTensors.Load(path));
        Assert.Equal(BertNerErrorKind.InvalidData, e.Kind);
        Assert.Contains("'classifier.weight'", e.Message);
    }

    private static string Sharded(TempDir dir)
    {
        var (folder, weights) = SavedTiny(dir);
        File.Move(weights, Path.Combine(folder, "model-00001-of-00001.safetensors"));
        return folder;
    }

    private static void WriteIndex(string folder, string shard)
    {
        var map = new JsonObject();
        foreach (var k in SafeTensors.Load(Path.Combine(folder, "model-00001-of-00001.safetensors")).Keys) map[k] = "model-00001-of-00001.safetensors";
        map["classifier.bias"] = shard;
        File.WriteAllText(Path.Combine(folder, "model.safetensors.index.json"), new JsonObject { ["weight_map"] = map }.ToJsonString());
    }

    [Fact]
    public void A_sharded_model_loads_through_its_index()
    {
        using var dir = new TempDir();
        var folder = Sharded(dir);
        WriteIndex(folder, "model-00001-of-00001.safetensors");
        using var m = NerModel.Load(folder, device: "Cpu");
        Assert.Equal(TinyModel.Labels, m.Labels);
    }

    [Theory]
    [InlineData("model.safetensors.index.json")]
    [InlineData("other.index.json")]
    [InlineData("config.json")]
    public void An_index_naming_itself_or_another_index_is_refused_instead_of_recursing(string shard)
    {
        // Before: ReadSharded called itself for an index shard until the stack overflowed and the process died.
        using var dir = new TempDir();
        var folder = Sharded(dir);
        WriteIndex(folder, shard);
        File.Copy(Path.Combine(folder, "model.safetensors.index.json"), Path.Combine(folder, "other.index.json"));
        var e = Assert.Throws<BertNerException>(() => NerModel.Load(folder, device: "Cpu"));
        Assert.Equal(BertNerErrorKind.InvalidData, e.Kind);
        Assert.Contains("not a weights file", e.Message);
    }

    [Theory]
    [InlineData("../outside.safetensors", "'..' segment")]
    [InlineData("sub/../../outside.safetensors", "'..' segment")]
    [InlineData("/tmp/outside.safetensors", "absolute path")]
    [InlineData("sub\\..\\..\\outside.safetensors", "backslash")]
    public void Shard_names_cannot_leave_the_model_folder(string shard, string why)
    {
        using var dir = new TempDir();
        var folder = Sharded(dir);
        File.Copy(Path.Combine(folder, "model-00001-of-00001.safetensors"), dir["outside.safetensors"]);
        WriteIndex(folder, shard);
        var e = Assert.Throws<BertNerException>(() => NerModel.Load(folder, device: "Cpu"));
        Assert.Equal(BertNerErrorKind.InvalidData, e.Kind);
        Assert.Contains(why, e.Message);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("{\"weight_map\": []}")]
    [InlineData("{\"weight_map\": {\"a\": \"x.safetensors\", \"a\": \"y.safetensors\"}}")]
    public void An_index_that_is_not_a_map_of_shards_is_invalid_data(string json)
    {
        // Before: "[]" threw InvalidOperationException (a string index into a JSON array).
        using var dir = new TempDir();
        var folder = Sharded(dir);
        File.WriteAllText(Path.Combine(folder, "model.safetensors.index.json"), json);
        var e = Assert.Throws<BertNerException>(() => NerModel.Load(folder, device: "Cpu"));
        Assert.Equal(BertNerErrorKind.InvalidData, e.Kind);
    }

    [Fact]
    public void A_missing_shard_is_object_not_found_naming_it()
    {
        using var dir = new TempDir();
        var folder = Sharded(dir);
        WriteIndex(folder, "model-00002-of-00002.safetensors");
        var e = Assert.Throws<BertNerException>(() => NerModel.Load(folder, device: "Cpu"));
        Assert.Equal(BertNerErrorKind.ObjectNotFound, e.Kind);
        Assert.Contains("'model-00002-of-00002.safetensors'", e.Message);
    }

    [Fact]
    public void Safetensors_is_read_when_both_weight_files_exist()
    {
        using var dir = new TempDir();
        var (folder, _) = SavedTiny(dir);
        File.WriteAllText(Path.Combine(folder, StateDictFile.PyTorchName), "not a pickle: reading it would fail");
        Assert.EndsWith(StateDictFile.SafeTensorsName, StateDictFile.Locate(folder));
        using var m = NerModel.Load(folder, device: "Cpu");
        Assert.Equal(TinyModel.Labels, m.Labels);
    }

    [Fact]
    public void A_pickle_that_calls_a_function_is_refused_by_the_restricted_reader()
    {
        // torch.save's zip layout with a data.pkl that asks for os.system("touch <marker>") when unpickled.
        using var dir = new TempDir();
        var (folder, weights) = SavedTiny(dir);
        File.Delete(weights);
        var marker = dir["pwned"];
        var command = Encoding.ASCII.GetBytes($"touch {marker}");
        var pickle = new List<byte> { 0x80, 0x02 };
        pickle.AddRange(Encoding.ASCII.GetBytes("cposix\nsystem\nq\x00X"));
        pickle.AddRange(BitConverter.GetBytes(command.Length));
        pickle.AddRange(command);
        pickle.AddRange(new byte[] { (byte)'q', 1, 0x85, (byte)'q', 2, (byte)'R', (byte)'q', 3, (byte)'.' });
        var bin = Path.Combine(folder, StateDictFile.PyTorchName);
        using (var zip = ZipFile.Open(bin, ZipArchiveMode.Create))
        {
            using (var s = zip.CreateEntry("archive/data.pkl", CompressionLevel.NoCompression).Open()) s.Write(pickle.ToArray());
            using (var s = zip.CreateEntry("archive/version", CompressionLevel.NoCompression).Open()) s.Write("3\n"u8);
        }
        var e = Assert.Throws<BertNerException>(() => NerModel.Load(folder, device: "Cpu"));
        Assert.Equal(BertNerErrorKind.InvalidData, e.Kind);
        Assert.Contains("convert the model to model.safetensors", e.Message);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public void A_missing_pytorch_model_bin_named_by_an_index_is_object_not_found()
    {
        using var dir = new TempDir();
        var folder = Sharded(dir);
        WriteIndex(folder, "pytorch_model-00002.bin");
        var e = Assert.Throws<BertNerException>(() => NerModel.Load(folder, device: "Cpu"));
        Assert.Equal(BertNerErrorKind.ObjectNotFound, e.Kind);
    }
}
