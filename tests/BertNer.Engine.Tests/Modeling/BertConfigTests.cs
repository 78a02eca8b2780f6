using System.Text.Json.Nodes;
using BertNer.Modeling;
using BertNer.Tests.Support;

namespace BertNer.Tests.Modeling;

public class BertConfigTests
{
    [SkippableFact]
    public void Reads_the_minilm_config()
    {
        var c = BertConfig.Load(Path.Combine(SharedAssets.MiniLm, "config.json"));
        Assert.Equal(384, c.HiddenSize);
        Assert.Equal(6, c.NumHiddenLayers);
        Assert.Equal(12, c.NumAttentionHeads);
        Assert.Equal(1e-12, c.LayerNormEps);
        Assert.Equal("gelu", c.HiddenAct);
        Assert.Empty(c.Labels);
    }

    [Theory]
    [InlineData("{\"hidden_size\": \"big\"}", "hidden_size")]
    [InlineData("{\"hidden_size\": 100, \"num_attention_heads\": 12}", "hidden_size")]
    [InlineData("{\"hidden_dropout_prob\": 1.5}", "hidden_dropout_prob")]
    [InlineData("{\"num_hidden_layers\": 0}", "num_hidden_layers")]
    [InlineData("{\"hidden_act\": \"swish\"}", "hidden_act")]
    [InlineData("{\"id2label\": {\"0\": \"O\", \"2\": \"B-PER\"}}", "id2label")]
    [InlineData("{\"position_embedding_type\": \"relative_key\"}", "position_embedding_type")]
    public void Bad_values_name_the_key(string json, string key)
    {
        var e = Assert.Throws<BertNerException>(() => BertConfig.FromJson((JsonObject)JsonNode.Parse(json)!, "x/config.json"));
        Assert.Contains(key, e.Message);
        Assert.Equal(BertNerErrorKind.InvalidData, e.Kind);
    }

    [Fact]
    public void Invalid_json_names_the_file_and_line()
    {
        using var dir = new TempDir();
        var p = dir["config.json"];
        File.WriteAllText(p, "{\n  \"hidden_size\": 32,\n  oops\n}");
        var e = Assert.Throws<BertNerException>(() => BertConfig.Load(p));
        Assert.Contains(p + ":3", e.Message);
    }

    [Fact]
    public void Unknown_keys_survive_a_round_trip()
    {
        var c = BertConfig.FromJson((JsonObject)JsonNode.Parse("{\"hidden_size\": 64, \"num_attention_heads\": 4, \"gradient_checkpointing\": false, \"id2label\": {\"0\": \"O\", \"1\": \"B-X\"}}")!);
        var back = BertConfig.FromJson(c.ToJson());
        Assert.Equal(64, back.HiddenSize);
        Assert.Equal(new[] { "O", "B-X" }, back.Labels);
        Assert.False(back.Extra["gradient_checkpointing"]!.GetValue<bool>());
    }
}
