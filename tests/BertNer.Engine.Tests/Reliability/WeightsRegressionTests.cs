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
}
