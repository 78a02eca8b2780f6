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

    [Theory] // issue 16.12: an unclosed flow list gave no line and leaked .NET's "Operation is not valid due to the current state of the object"
    [InlineData("epochs: 3\nbatch_size: [8\n# training sentences per step\nseed: 42\n", 2)] // as in an edited New-BertNerTrainingConfig file
    [InlineData("epochs: 3\nbatch_size: [8", 2)]
    [InlineData("batch_size: [8\n", 1)]
    [InlineData("epochs: 3\nlabels: {O: 1\n", 2)]
    public void Unclosed_flow_collections_name_the_line_without_dotnet_wording(string yaml, int line)
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["c.yaml"], yaml);
        var e = Assert.Throws<BertNerException>(() => TrainingConfigFile.Load(dir["c.yaml"]));
        Assert.StartsWith($"{dir["c.yaml"]}:{line}: ", e.Message);
        Assert.Contains("not valid YAML", e.Message);
        Assert.DoesNotContain("current state of the object", e.Message);
        Assert.DoesNotContain("Operation is not valid", e.Message);
    }

    [Fact] // issue 16.12: -ConfigPath <run folder> suggested creating a config named like the folder
    public void A_folder_is_not_a_config_and_the_error_points_at_its_yaml_files()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir["run"]);
        File.WriteAllText(Path.Combine(dir["run"], "config.yaml"), "epochs: 1\n");
        var e = Assert.Throws<BertNerException>(() => TrainingConfigFile.Load(dir["run"]));
        Assert.Contains("is a folder", e.Message);
        Assert.Contains(Path.Combine(dir["run"], "config.yaml"), e.Message);
        Assert.DoesNotContain($"New-BertNerTrainingConfig -Path '{dir["run"]}'", e.Message);
        Directory.CreateDirectory(dir["empty"]);
        var e2 = Assert.Throws<BertNerException>(() => TrainingConfigFile.Load(dir["empty"]));
        Assert.Contains("is a folder", e2.Message);
        Assert.DoesNotContain($"-Path '{dir["empty"]}'", e2.Message);
    }

    [Fact]
    public void A_resumed_run_starts_from_its_saved_config_unless_a_config_file_is_given()
    {
        using var dir = new TempDir();
        var run = Directory.CreateDirectory(dir["run"]).FullName;
        TrainingConfigFile.Save(Path.Combine(run, RunFolder.ConfigFile), new TrainingOptions { Model = "saved", Epochs = 7 }, "test");
        TrainingConfigFile.Save(dir["other.yaml"], new TrainingOptions { Model = "given", Epochs = 5 }, "test");

        Assert.Equal(7, TrainingConfigFile.Starting(null, run).Epochs);
        Assert.Equal("saved", TrainingConfigFile.Starting(null, run).Model);
        Assert.Equal(5, TrainingConfigFile.Starting(dir["other.yaml"], run).Epochs);
        Assert.Equal(new TrainingOptions().Epochs, TrainingConfigFile.Starting(null, null).Epochs);
        Assert.Equal(new TrainingOptions().Epochs, TrainingConfigFile.Starting(null, dir["no-run-here"]).Epochs);
    }
}
