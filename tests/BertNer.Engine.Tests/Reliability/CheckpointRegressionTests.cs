using BertNer.Checkpoints;
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
}
