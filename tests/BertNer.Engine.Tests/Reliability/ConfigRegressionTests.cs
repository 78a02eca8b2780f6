using System.Diagnostics;
using BertNer.Modeling;
using BertNer.Tests.Support;
using BertNer.Training;

namespace BertNer.Tests.Reliability;

/// <summary>Bugs the config.json and training YAML fuzzers found, one test each.</summary>
public class ConfigRegressionTests
{
    [Fact]
    public void A_config_json_key_given_twice_is_invalid_data_naming_the_key()
    {
        // Before: JsonNode accepted the text, then threw ArgumentException ("same key has already been added").
        using var dir = new TempDir();
        var path = dir["config.json"];
        File.WriteAllText(path, "{\"hidden_size\": 32, \"num_attention_heads\": 4, \"hidden_size\": 64}");
        var e = Assert.Throws<BertNerException>(() => BertConfig.Load(path));
        Assert.Equal(BertNerErrorKind.InvalidData, e.Kind);
        Assert.Contains("'hidden_size' appears twice", e.Message);
    }

    [Theory]
    [InlineData("{\"hidden_act\": \"\\ud800\"}")]
    [InlineData("{\"\\udc00\": 1}")]
    [InlineData("{\"architectures\": [\"\\ud83d\"]}")]
    public void A_lone_surrogate_escape_in_config_json_is_invalid_data(string json)
    {
        // Before: reading the string threw InvalidOperationException ("Cannot read incomplete UTF-16 JSON text").
        using var dir = new TempDir();
        var path = dir["config.json"];
        File.WriteAllText(path, json);
        var e = Assert.Throws<BertNerException>(() => BertConfig.Load(path));
        Assert.Equal(BertNerErrorKind.InvalidData, e.Kind);
        Assert.Contains("not valid Unicode", e.Message);
    }
}
