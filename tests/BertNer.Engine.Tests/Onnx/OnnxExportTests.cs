using BertNer.Modeling;
using BertNer.Onnx;
using BertNer.Tests.Modeling;
using BertNer.Tests.Support;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using static TorchSharp.torch;

namespace BertNer.Tests.Onnx;

/// <summary>
/// The exported graph, run by ONNX Runtime, against the TorchSharp forward it was written from (tiny random
/// models) and against Hugging Face's golden logits (the real MiniLM with the golden head).
/// </summary>
public class OnnxExportTests
{
    private const double Tol = 1e-4;

    // Three sentences of different lengths in one right-padded batch, a second segment in the last one.
    private static readonly long[][] Sentences =
    {
        new long[] { 2, 11, 12, 13, 9, 25, 8, 10, 5, 3 },
        new long[] { 2, 15, 16, 3 },
        new long[] { 2, 7, 14, 26, 3, 20, 21, 3 },
    };

    [Theory]
    [InlineData("gelu")]
    [InlineData("gelu_new")]
    [InlineData("relu")]
    public void Logits_match_the_torch_forward_on_a_padded_batch(string activation)
    {
        using var dir = new TempDir();
        var config = TinyModel.Config(layers: 3);
        config.HiddenAct = activation;
        using var model = NerModel.CreateRandom(config, TinyModel.Tokenizer(dir["tok"]), seed: 5);
        OnnxExporter.Export(model, dir["onnx"]);

        var (ids, mask, types) = PaddedBatch(Sentences, secondSegmentFrom: new[] { 0, 0, 5 });
        var expected = TorchLogits(model, ids, mask, types);
        var actual = OrtLogits(Path.Combine(dir["onnx"], OnnxExporter.ModelFile), ids, mask, types);
        Assert.True(MaxDiffOnRealTokens(expected, actual, mask, config.Labels.Count) <= Tol,
            $"{activation}: ONNX logits differ by {MaxDiffOnRealTokens(expected, actual, mask, config.Labels.Count)}");
    }

    [Fact]
    public void The_folder_is_self_contained_with_the_label_map_in_metadata_and_config()
    {
        using var dir = new TempDir();
        using var model = TinyModel.Create(dir["tok"]);
        OnnxExporter.Export(model, dir["onnx"]);
        foreach (var f in new[] { "model.onnx", "config.json", "vocab.txt", "tokenizer_config.json" })
            Assert.True(File.Exists(Path.Combine(dir["onnx"], f)), $"{f} missing");
        Assert.False(File.Exists(Path.Combine(dir["onnx"], "model.safetensors")));
        using var session = new InferenceSession(Path.Combine(dir["onnx"], "model.onnx"));
        Assert.Equal(new[] { "input_ids", "attention_mask", "token_type_ids" }, session.InputMetadata.Keys);
        foreach (var input in session.InputMetadata.Values)
        {
            Assert.Equal(typeof(long), input.ElementType);
            Assert.Equal(new[] { "batch", "sequence" }, input.SymbolicDimensions);
        }
        var logits = session.OutputMetadata["logits"];
        Assert.Equal(new[] { -1, -1, TinyModel.Labels.Length }, logits.Dimensions);
        var meta = session.ModelMetadata.CustomMetadataMap;
        Assert.Equal("{\"0\":\"O\",\"1\":\"B-PER\",\"2\":\"I-PER\",\"3\":\"B-LOC\",\"4\":\"I-LOC\"}", meta["id2label"]);
        var config = BertConfig.Load(Path.Combine(dir["onnx"], "config.json"));
        Assert.Equal(TinyModel.Labels, config.Labels);
        Assert.Equal(new[] { "BertForTokenClassification" }, config.Architectures);
    }

    [Fact]
    public void Uses_the_fused_operators_and_opset_17()
    {
        using var dir = new TempDir();
        using var model = TinyModel.Create(dir["tok"]);
        var proto = OnnxExporter.Build(model);
        var ops = proto.Graph.Node.Select(n => n.OpType).ToList();
        Assert.Contains("EmbedLayerNormalization", ops);
        Assert.Equal(2, ops.Count(o => o == "Attention"));
        Assert.Equal(4, ops.Count(o => o == "SkipLayerNormalization"));
        Assert.Equal(2, ops.Count(o => o == "BiasGelu"));
        Assert.DoesNotContain("Softmax", ops);
        Assert.Contains(proto.OpsetImport, o => o.Domain == "" && o.Version == 17);
    }

    [Fact]
    public void Int8_weights_stay_close_to_float_and_make_a_smaller_model()
    {
        using var dir = new TempDir();
        var config = TinyModel.Config(layers: 2);
        config.HiddenSize = 64; config.IntermediateSize = 256;
        using var model = NerModel.CreateRandom(config, TinyModel.Tokenizer(dir["tok"]), seed: 3);
        OnnxExporter.Export(model, dir["fp32"]);
        OnnxExporter.Export(model, dir["int8"], OnnxQuantization.Int8);
        var (ids, mask, types) = PaddedBatch(Sentences, secondSegmentFrom: new[] { 0, 0, 0 });
        var fp32 = OrtLogits(Path.Combine(dir["fp32"], "model.onnx"), ids, mask, types);
        var int8 = OrtLogits(Path.Combine(dir["int8"], "model.onnx"), ids, mask, types);
        var scale = fp32.Max(Math.Abs);
        var diff = MaxDiffOnRealTokens(fp32, int8, mask, config.Labels.Count);
        // Quantized, not identical: a few percent of the logits' range, where a wrong graph is off by the whole range.
        Assert.InRange(diff, 1e-6, 0.05 * scale);
        Assert.True(new FileInfo(Path.Combine(dir["int8"], "model.onnx")).Length < new FileInfo(Path.Combine(dir["fp32"], "model.onnx")).Length);
        Assert.Contains(OnnxExporter.Build(model, OnnxQuantization.Int8).Graph.Node, n => n.OpType == "DynamicQuantizeMatMul");
    }

    [Fact]
    public void Replaces_only_an_earlier_export_and_only_when_asked()
    {
        using var dir = new TempDir();
        using var model = TinyModel.Create(dir["tok"]);
        OnnxExporter.Export(model, dir["onnx"]);
        var e = Assert.Throws<BertNerException>(() => OnnxExporter.Export(model, dir["onnx"]));
        Assert.Contains("-Force", e.Message);
        OnnxExporter.Export(model, dir["onnx"], overwrite: true);

        Directory.CreateDirectory(dir["mine"]);
        File.WriteAllText(Path.Combine(dir["mine"], "notes.txt"), "precious");
        e = Assert.Throws<BertNerException>(() => OnnxExporter.Export(model, dir["mine"], overwrite: true));
        Assert.Contains("not an ONNX export", e.Message);
        Assert.Equal("precious", File.ReadAllText(Path.Combine(dir["mine"], "notes.txt")));
    }

    [SkippableFact]
    public void MiniLm_export_reproduces_hugging_face_golden_logits()
    {
        var golden = SharedAssets.Golden("minilm_token_classification.json");
        using var dir = new TempDir();
        using (var model = ModelGoldenTests.LoadWithGoldenHead(golden)) OnnxExporter.Export(model, dir["onnx"]);
        using var session = new InferenceSession(Path.Combine(dir["onnx"], "model.onnx"));
        foreach (var s in golden["sequences"]!.AsArray())
        {
            var ids = Json.Longs(s!["input_ids"]);
            var (i, m, t) = PaddedBatch(new[] { ids }, secondSegmentFrom: new[] { 0 });
            var actual = Run(session, i, m, t);
            var expected = Json.Flat2D(s["logits"]);
            double max = 0;
            for (int k = 0; k < expected.Length; k++) max = Math.Max(max, Math.Abs(expected[k] - actual[k]));
            Assert.True(max <= Tol, $"logits differ from Hugging Face's by {max}");
        }
    }

    // ---- helpers

    private static (DenseTensor<long> Ids, DenseTensor<long> Mask, DenseTensor<long> Types) PaddedBatch(long[][] sentences, int[] secondSegmentFrom)
    {
        int b = sentences.Length, s = sentences.Max(x => x.Length);
        var ids = new DenseTensor<long>(new[] { b, s });
        var mask = new DenseTensor<long>(new[] { b, s });
        var types = new DenseTensor<long>(new[] { b, s });
        for (int i = 0; i < b; i++)
            for (int j = 0; j < sentences[i].Length; j++)
            {
                ids[i, j] = sentences[i][j];
                mask[i, j] = 1;
                types[i, j] = secondSegmentFrom[i] > 0 && j >= secondSegmentFrom[i] ? 1 : 0;
            }
        return (ids, mask, types);
    }

    private static float[] TorchLogits(NerModel model, DenseTensor<long> ids, DenseTensor<long> mask, DenseTensor<long> types)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var net = model.Classifier!;
        net.eval();
        long[] shape = { ids.Dimensions[0], ids.Dimensions[1] };
        var logits = net.forward(tensor(ids.ToArray(), shape), tensor(mask.ToArray(), shape), tensor(types.ToArray(), shape));
        return logits.contiguous().data<float>().ToArray();
    }

    private static float[] OrtLogits(string path, DenseTensor<long> ids, DenseTensor<long> mask, DenseTensor<long> types)
    {
        using var session = new InferenceSession(path);
        return Run(session, ids, mask, types);
    }

    private static float[] Run(InferenceSession session, DenseTensor<long> ids, DenseTensor<long> mask, DenseTensor<long> types)
    {
        using var results = session.Run(new[]
        {
            NamedOnnxValue.CreateFromTensor("input_ids", ids),
            NamedOnnxValue.CreateFromTensor("attention_mask", mask),
            NamedOnnxValue.CreateFromTensor("token_type_ids", types),
        });
        return results.Single(r => r.Name == "logits").AsTensor<float>().ToArray();
    }

    private static double MaxDiffOnRealTokens(float[] a, float[] b, DenseTensor<long> mask, int labels)
    {
        Assert.Equal(a.Length, b.Length);
        double max = 0;
        var m = mask.ToArray();
        for (int k = 0; k < a.Length; k++)
            if (m[k / labels] == 1) max = Math.Max(max, Math.Abs(a[k] - b[k]));
        return max;
    }
}
