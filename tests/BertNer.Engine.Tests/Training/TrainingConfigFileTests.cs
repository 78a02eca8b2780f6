using BertNer.Tests.Support;
using BertNer.Training;

namespace BertNer.Tests.Training;

public class TrainingConfigFileTests
{
    [Fact]
    public void Defaults_are_the_course_recipe_and_survive_a_round_trip()
    {
        using var dir = new TempDir();
        var o = new TrainingOptions { Model = "bert-base-cased" };
        Assert.Equal(2e-5, o.LearningRate);
        Assert.Equal(8, o.BatchSize);
        Assert.Equal(42, o.Seed);
        Assert.Equal(3, o.Epochs);
        Assert.Equal(0.01, o.WeightDecay);
        Assert.Equal(1.0, o.MaxGradNorm);
        Assert.True(o.LabelAllSubtokens);
        TrainingConfigFile.Save(dir["c.yaml"], o, "test");
        var text = File.ReadAllText(dir["c.yaml"]);
        Assert.Contains("learning_rate: 2.0e-05", text);
        Assert.Contains("# peak AdamW learning rate", text);
        var back = TrainingConfigFile.Load(dir["c.yaml"]);
        foreach (var k in TrainingOptionKeys.All)
            Assert.Equal(TrainingOptionKey.Format(k.Get(o)), TrainingOptionKey.Format(k.Get(back)));
    }

    [Theory]
    [InlineData("learning_rat: 1e-4", "unknown key 'learning_rat'", "Did you mean 'learning_rate'?", 1)]
    [InlineData("epochs: 3\nbatch_size: eight", "'batch_size' is 'eight'", "whole number", 2)]
    [InlineData("\n\nlearning_rate: -1", "'learning_rate'", "greater than 0", 3)]
    [InlineData("device: tpu", "'device'", "Auto, Cpu, Cuda", 1)]
    [InlineData("labels: [O, B-PER, X-LOC]", "'labels'", "O, B-TYPE or I-TYPE", 1)]
    [InlineData("group_by_length: maybe", "'group_by_length'", "true or false", 1)]
    [InlineData("epochs: 0", "'epochs'", "from 1 to", 1)]
    [InlineData("- a\n- b", "mapping of keys", "", 1)]
    public void Bad_configs_name_the_file_line_key_and_what_is_allowed(string yaml, string part1, string part2, int line)
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["c.yaml"], yaml);
        var e = Assert.Throws<BertNerException>(() => TrainingConfigFile.Load(dir["c.yaml"]));
        Assert.Contains(part1, e.Message);
        Assert.Contains(part2, e.Message);
        Assert.StartsWith($"{dir["c.yaml"]}:{line}", e.Message);
    }

    [Fact]
    public void Invalid_yaml_names_the_line()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["c.yaml"], "epochs: 3\nseed: [1, 2\n");
        var e = Assert.Throws<BertNerException>(() => TrainingConfigFile.Load(dir["c.yaml"]));
        Assert.Contains("not valid YAML", e.Message);
    }
}
