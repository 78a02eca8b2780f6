using System.Diagnostics;
using BertNer.Modeling;
using BertNer.Tests.Support;
using BertNer.Training;

namespace BertNer.Tests.Reliability;

/// <summary>Bugs the config.json and training YAML fuzzers found, one test each.</summary>
public class ConfigRegressionTests
{
    [Fact]
    public void Deeply_nested_yaml_is_refused_instead_of_overflowing_the_stack()
    {
        // Before: YamlStream recursed once per level and 30,000 levels ended the process (StackOverflow cannot be caught).
        using var dir = new TempDir();
        var path = dir["deep.yaml"];
        File.WriteAllText(path, "epochs: 1\nlabels: " + new string('[', 30_000) + new string(']', 30_000) + "\n");
        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<BertNerException>(() => TrainingConfigFile.Load(path));
        Assert.Equal(BertNerErrorKind.InvalidData, e.Kind);
        Assert.Equal($"{path}:2", e.Target);
        Assert.Contains("nested more than 16 deep", e.Message);
        Assert.True(clock.Elapsed.TotalSeconds < 5, $"{clock.Elapsed}");
    }

    [Fact]
    public void A_yaml_file_the_parser_chokes_on_is_invalid_data_not_an_InvalidOperationException()
    {
        using var dir = new TempDir();
        var path = dir["nul.yaml"];
        File.WriteAllText(path, "epochs: 1\n# \u0000[\nlabels: []\n");
        var e = Assert.Throws<BertNerException>(() => TrainingConfigFile.Load(path));
        Assert.Equal(BertNerErrorKind.InvalidData, e.Kind);
        Assert.Contains("not valid YAML", e.Message);
    }

    [Fact]
    public void A_yaml_file_over_a_mebibyte_is_refused_with_its_size()
    {
        using var dir = new TempDir();
        var path = dir["big.yaml"];
        File.WriteAllText(path, "# " + new string('x', TrainingConfigFile.MaxFileBytes) + "\nepochs: 1\n");
        var e = Assert.Throws<BertNerException>(() => TrainingConfigFile.Load(path));
        Assert.Contains($"{new FileInfo(path).Length:N0} bytes", e.Message);
    }

    [Theory]
    [InlineData("runs/a\nb")]
    [InlineData("tab\there")]
    [InlineData("back\\slash \"quoted\" and 'single'")]
    [InlineData("\u0007bell\r\n")]
    [InlineData("  leading and trailing  ")]
    public void Paths_with_line_breaks_and_control_characters_survive_the_saved_config(string value)
    {
        // Before: single quotes folded the line break into a space, so a resumed run read another path.
        using var dir = new TempDir();
        var o = new TrainingOptions { OutputPath = value, Model = value, Labels = new() { "O", "B-" + value } };
        var path = dir["config.yaml"];
        TrainingConfigFile.Save(path, o, "round trip");
        var back = TrainingConfigFile.Load(path);
        Assert.Equal(value, back.OutputPath);
        Assert.Equal(value, back.Model);
        Assert.Equal(o.Labels, back.Labels);
    }

    [Fact]
    public void A_huge_yaml_value_is_quoted_shortened_in_the_message()
    {
        using var dir = new TempDir();
        var path = dir["long.yaml"];
        File.WriteAllText(path, $"epochs: {new string('x', 20_000)}\ndevice: {new string('y', 20_000)}\n");
        var e = Assert.Throws<BertNerException>(() => TrainingConfigFile.Load(path));
        Assert.True(e.Message.Length < 400, e.Message[..Math.Min(400, e.Message.Length)]);
        Assert.Contains("(20,000 characters)", e.Message);
        var o = new TrainingOptions { Device = new string('y', 20_000) };
        var e2 = Assert.Throws<BertNerException>(() => o.Validate("opts"));
        Assert.True(e2.Message.Length < 400);
    }

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

    [Theory]
    [InlineData("num_hidden_layers", 1_000_000)]
    [InlineData("intermediate_size", 2_000_000_000)]
    [InlineData("max_position_embeddings", 100_000_000)]
    [InlineData("hidden_size", 1_000_000_000)]
    public void An_absurd_size_in_config_json_fails_before_anything_is_allocated(string key, int value)
    {
        // Before: the model was built from config.json first, e.g. a million layers, then compared with the weights.
        using var dir = new TempDir();
        using (var tiny = TinyModel.Create(dir["src"])) tiny.Save(dir["model"]);
        var path = Path.Combine(dir["model"], "config.json");
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))!;
        json[key] = value;
        File.WriteAllText(path, json.ToJsonString());
        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<BertNerException>(() => NerModel.Load(dir["model"], device: "Cpu"));
        Assert.Equal(BertNerErrorKind.InvalidData, e.Kind);
        Assert.Equal(path, e.Target);
        Assert.Contains("do not belong together", e.Message);
        Assert.Contains($"{key.Replace("num_", "")}", e.Message);
        Assert.True(clock.Elapsed.TotalSeconds < 5, $"{clock.Elapsed}");
    }

    [Theory]
    [InlineData(2, 32, 64)]
    [InlineData(1, 48, 100)]
    public void The_weight_count_from_the_config_is_the_encoder_size(int layers, int hidden, int intermediate)
    {
        var c = TinyModel.Config(layers);
        c.HiddenSize = hidden;
        c.IntermediateSize = intermediate;
        using var encoder = new BertModel(c, addPoolingLayer: false);
        Assert.Equal(encoder.parameters().Sum(p => p.numel()), c.EncoderWeightCount);
    }
}
