using BertNer.Data;
using BertNer.Features;
using BertNer.Inference;
using BertNer.Modeling;
using BertNer.Onnx;
using BertNer.Tests.Modeling;
using BertNer.Tests.Support;

namespace BertNer.Tests.Onnx;

/// <summary>The ONNX Runtime runner gives the TorchSharp runner's scores: argmax, probabilities and loss, in input order.</summary>
public class OnnxTokenClassifierTests
{
    [Fact]
    public void Scores_match_the_torch_runner_on_toy_sentences_in_batches()
    {
        using var dir = new TempDir();
        using var model = TinyModel.Create(dir["tok"], seed: 9);
        OnnxExporter.Export(model, dir["onnx"]);
        using var onnx = OnnxTokenClassifier.Load(dir["onnx"], threads: 1);
        var sentences = ToyData.Sentences(40, seed: 3);
        var encoded = new SentenceEncoder(model.Tokenizer, new LabelMap(TinyModel.Labels), true, 64).EncodeAll(sentences);
        foreach (var batchSize in new[] { 1, 7, 32 })
            AssertSame(TokenClassifierRunner.Run(model, encoded, batchSize, withProbabilities: true),
                onnx.Score(encoded, batchSize, withProbabilities: true), strictArgmax: true);
    }

    [SkippableFact]
    public void MiniLm_scores_match_the_torch_runner_on_validation_sentences()
    {
        var golden = SharedAssets.Golden("minilm_token_classification.json");
        var valid = ConllReader.ReadFile(SharedAssets.Require("data/conll2003/valid.txt")).Take(200).ToList();
        using var dir = new TempDir();
        using var model = ModelGoldenTests.LoadWithGoldenHead(golden);
        OnnxExporter.Export(model, dir["onnx"]);
        using var onnx = OnnxTokenClassifier.Load(dir["onnx"]);
        var encoded = new SentenceEncoder(model.Tokenizer, new LabelMap(model.Labels), true, 512).EncodeAll(valid);
        // The golden head is not trained: labels can be near ties, so argmax is compared where the margin is clear.
        AssertSame(TokenClassifierRunner.Run(model, encoded, 32, withProbabilities: true), onnx.Score(encoded, 32, withProbabilities: true), strictArgmax: false);
    }

    [Fact]
    public void A_folder_without_model_onnx_says_what_to_give()
    {
        using var dir = new TempDir();
        using var model = TinyModel.Create(dir["tok"]);
        model.Save(dir["torch"]);
        var e = Assert.Throws<BertNerException>(() => OnnxTokenClassifier.Load(dir["torch"]));
        Assert.Contains("Export-BertNerModel", e.Message);
        Assert.False(OnnxTokenClassifier.IsExport(dir["torch"]));
    }

    private static void AssertSame(TokenScores[] torch, TokenScores[] onnx, bool strictArgmax)
    {
        Assert.Equal(torch.Length, onnx.Length);
        for (int i = 0; i < torch.Length; i++)
        {
            var (a, b) = (torch[i], onnx[i]);
            Assert.Equal(a.Argmax.Length, b.Argmax.Length);
            Assert.Equal(a.LossCount, b.LossCount);
            Assert.True(Math.Abs(a.LossSum - b.LossSum) <= 1e-4 * Math.Max(1, a.LossCount), $"sentence {i}: loss {a.LossSum} vs {b.LossSum}");
            for (int pos = 0; pos < a.Argmax.Length; pos++)
            {
                for (int l = 0; l < a.Probabilities![pos].Length; l++)
                    Assert.True(Math.Abs(a.Probabilities[pos][l] - b.Probabilities![pos][l]) <= 1e-4, $"sentence {i} position {pos}: probabilities differ");
                var sorted = a.Probabilities[pos].OrderByDescending(p => p).ToArray();
                if (strictArgmax || sorted[0] - sorted[1] > 1e-3) Assert.True(a.Argmax[pos] == b.Argmax[pos], $"sentence {i} position {pos}: argmax differs");
            }
        }
    }
}
