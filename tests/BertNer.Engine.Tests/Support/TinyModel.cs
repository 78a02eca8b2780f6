using BertNer.Modeling;
using BertNer.Tokenization;

namespace BertNer.Tests.Support;

/// <summary>A tiny random BERT (hidden 32, 2 layers) with a small made-up vocabulary, for tests without ../shared.</summary>
public static class TinyModel
{
    public static readonly string[] Labels = { "O", "B-PER", "I-PER", "B-LOC", "I-LOC" };

    public static readonly string[] Vocab =
    {
        "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ".", ",", "the", "in", "met", "paris", "angela", "mer", "##kel",
        "berlin", "john", "smith", "lives", "visited", "london", "a", "b", "c", "##s", "##ed", "zoe", "!", "'", "-",
    };

    public static BertConfig Config(int layers = 2) => new()
    {
        VocabSize = Vocab.Length, HiddenSize = 32, NumHiddenLayers = layers, NumAttentionHeads = 4, IntermediateSize = 64,
        MaxPositionEmbeddings = 64, TypeVocabSize = 2, Labels = Labels.ToList(),
    };

    /// <summary>Writes vocab.txt and tokenizer_config.json into a fresh temp folder and returns the tokenizer.</summary>
    public static BertNerTokenizer Tokenizer(string folder)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllLines(Path.Combine(folder, "vocab.txt"), Vocab);
        new TokenizerSettings { DoLowerCase = true }.Save(folder);
        return BertNerTokenizer.FromFolder(folder);
    }

    public static NerModel Create(string folder, long seed = 1, int layers = 2) =>
        NerModel.CreateRandom(Config(layers), Tokenizer(folder), seed);
}

/// <summary>A temp folder removed when the test ends.</summary>
public sealed class TempDir : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "bertner-test-" + Guid.NewGuid().ToString("N"));
    public TempDir() => Directory.CreateDirectory(Path);
    public string this[string name] => System.IO.Path.Combine(Path, name);
    public void Dispose() { try { Directory.Delete(Path, true); } catch (IOException) { } }
}
