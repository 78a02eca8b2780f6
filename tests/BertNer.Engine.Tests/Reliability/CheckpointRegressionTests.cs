using BertNer.IO;
using BertNer.Testing;
using BertNer.Tests.Support;
using BertNer.Tokenization;
using BertNer.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace BertNer.Tests.Reliability;

/// <summary>Bugs found by the kill, full-disk and damaged-checkpoint tests, one test each.</summary>
public sealed class CheckpointRegressionTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose()
    {
        FaultHooks.CheckpointWrite = null;
        _dir.Dispose();
    }

    [Fact]
    public void Replacing_a_folder_puts_back_a_leftover_old_copy_instead_of_deleting_it()
    {
        // Before: ReplaceFolder deleted ".x.old" first. After a crash between the renames that was the only copy,
        // and a second failure before the new folder arrived left nothing at all.
        var target = _dir["x"];
        Directory.CreateDirectory(_dir[".x.old"]);
        File.WriteAllText(Path.Combine(_dir[".x.old"], "weights"), "the only good copy");
        Directory.CreateDirectory(_dir["staged"]);
        FaultHooks.CheckpointWrite = (point, _) => { if (point == "folder-moved-aside") throw new IOException("the disk went away"); };
        Assert.Throws<IOException>(() => AtomicFile.ReplaceFolder(_dir["staged"], target));
        AtomicFile.RecoverFolder(target);
        Assert.Equal("the only good copy", File.ReadAllText(Path.Combine(target, "weights")));
    }

    [Fact]
    public void Optimizer_state_of_the_wrong_shape_is_refused_not_broadcast()
    {
        // Before: copy_ broadcast a [32] tensor into a [5, 32] buffer without a word, and threw ExternalException
        // for shapes that do not broadcast; a missing "step" threw KeyNotFoundException.
        using var linear = nn.Linear(32, 5);
        using var optimizer = new InPlaceAdamW(linear.named_parameters());
        var good = optimizer.StateDict();
        var bad = new Dictionary<string, Tensor>(good) { ["exp_avg.weight"] = zeros(32) };
        var e = Assert.Throws<BertNerException>(() => optimizer.LoadStateDict(bad, "opt.safetensors"));
        Assert.Equal(BertNerErrorKind.InvalidData, e.Kind);
        Assert.Contains("'exp_avg.weight' as Float32 [32], not a floating-point [5, 32]", e.Message);
        bad = new Dictionary<string, Tensor>(good);
        bad.Remove("step");
        Assert.Contains("no valid 'step'", Assert.Throws<BertNerException>(() => optimizer.LoadStateDict(bad, "opt.safetensors")).Message);
        bad = new Dictionary<string, Tensor>(good) { ["step"] = tensor(new[] { 3 }) }; // int32: item<long> would throw
        Assert.Contains("no valid 'step'", Assert.Throws<BertNerException>(() => optimizer.LoadStateDict(bad, "opt.safetensors")).Message);
        bad = new Dictionary<string, Tensor>(good) { ["exp_avg_sq.bias"] = full(5, float.NaN) };
        Assert.Contains("NaN or infinite values in 'exp_avg_sq.bias'", Assert.Throws<BertNerException>(() => optimizer.LoadStateDict(bad, "opt.safetensors")).Message);
    }

    [Fact]
    public void A_vocabulary_with_a_token_twice_is_invalid_data_naming_both_lines()
    {
        // Before: Microsoft.ML.Tokenizers threw ArgumentException ("An item with the same key has already been added").
        Directory.CreateDirectory(_dir["vocab"]);
        var path = Path.Combine(_dir["vocab"], "vocab.txt");
        File.WriteAllLines(path, TinyModel.Vocab.Append("john"));
        var e = Assert.Throws<BertNerException>(() => BertNerTokenizer.FromFolder(_dir["vocab"]));
        Assert.Equal(BertNerErrorKind.InvalidData, e.Kind);
        Assert.Equal($"{path}:{TinyModel.Vocab.Length + 1}", e.Target);
        Assert.Contains($"'john' is already on line {Array.IndexOf(TinyModel.Vocab, "john") + 1}", e.Message);
    }

    private string TrainedRun()
    {
        using (var m = TinyModel.Create(_dir["tiny-src"])) m.Save(_dir["tiny"]);
        new Trainer(Options()).Run(ToyData.Sentences(16), null, resume: false);
        return _dir["run"];
    }

    private TrainingOptions Options(int epochs = 1) => new()
    {
        Model = _dir["tiny"], OutputPath = _dir["run"], Epochs = epochs, LearningRate = 2e-3, BatchSize = 8, Device = "Cpu",
    };

    [Theory]
    [InlineData("rng_state.bin", "lacks rng_state.bin")]
    [InlineData("optimizer.safetensors", "lacks optimizer.safetensors")]
    public void Resuming_from_a_checkpoint_that_lacks_a_file_says_which(string file, string message)
    {
        // Before: FileNotFoundException for rng_state.bin; for optimizer.safetensors "No weights file".
        var run = TrainedRun();
        File.Delete(Path.Combine(run, "last", file));
        var e = Assert.Throws<BertNerException>(() => new Trainer(Options(epochs: 2)).Run(ToyData.Sentences(16), null, resume: true));
        Assert.Equal(BertNerErrorKind.InvalidData, e.Kind);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Resuming_with_a_truncated_random_state_is_invalid_data()
    {
        // Before: libtorch refused the short state inside set_rng_state (ExternalException).
        var run = TrainedRun();
        var rng = Path.Combine(run, "last", RunFolder.RngFile);
        File.WriteAllBytes(rng, File.ReadAllBytes(rng)[..100]);
        var e = Assert.Throws<BertNerException>(() => new Trainer(Options(epochs: 2)).Run(ToyData.Sentences(16), null, resume: true));
        Assert.Equal(rng, e.Target);
        Assert.Contains("holds 100 bytes", e.Message);
    }

    [Fact]
    public void Resuming_with_a_label_listed_twice_in_the_state_is_invalid_data()
    {
        // Before: LabelMap threw ArgumentException ("An item with the same key has already been added. Key: O").
        var run = TrainedRun();
        var state = Path.Combine(run, "last", RunFolder.StateFile);
        File.WriteAllText(state, File.ReadAllText(state).Replace("\"Labels\": [", "\"Labels\": [ \"O\","));
        var e = Assert.Throws<BertNerException>(() => new Trainer(Options(epochs: 2)).Run(ToyData.Sentences(16), null, resume: true));
        Assert.Equal(state, e.Target);
        Assert.Contains("the checkpoint is damaged", e.Message);
    }
}
