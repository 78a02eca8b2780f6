using System.Text.Json;
using System.Text.Json.Nodes;
using BertNer.IO;
using BertNer.Modeling;
using Google.Protobuf;
using Onnx;
using static TorchSharp.torch;
using DataType = Onnx.TensorProto.Types.DataType;

namespace BertNer.Onnx;

/// <summary>
/// Writes a token classifier as an ONNX model that ONNX Runtime runs without libtorch. TorchSharp has no
/// exporter, so the graph is built here from the model's weights, with the fused operators ONNX Runtime's
/// CPU provider implements (EmbedLayerNormalization, Attention, SkipLayerNormalization, BiasGelu): its graph
/// optimizer does not find them in a plain op-by-op export (docs/design.md, "ONNX export").
/// Contract (as Hugging Face Optimum's token-classification export): inputs input_ids, attention_mask and
/// token_type_ids, int64 [batch, sequence]; output logits, float [batch, sequence, labels]; the label map
/// in the model's metadata and in config.json beside it.
/// </summary>
public static class OnnxExporter
{
    public const int Opset = 17;
    public const string ModelFile = "model.onnx";

    /// <summary>
    /// Writes <paramref name="folder"/> whole or not at all: model.onnx, config.json and the tokenizer files.
    /// An existing folder is replaced only with <paramref name="overwrite"/>, and only when it is an export
    /// (it holds model.onnx): anything else there is never deleted.
    /// </summary>
    public static void Export(NerModel model, string folder, OnnxQuantization quantization = OnnxQuantization.None, bool overwrite = false)
    {
        var full = Path.GetFullPath(folder);
        if (Directory.Exists(full) || File.Exists(full))
        {
            if (!overwrite)
                throw new BertNerException(BertNerErrorKind.InvalidArgument,
                    $"'{full}' already exists. Use -Force to replace an earlier export, or choose another -Path.", "Path");
            if (File.Exists(full) || !File.Exists(Path.Combine(full, ModelFile)))
                throw new BertNerException(BertNerErrorKind.InvalidArgument,
                    $"'{full}' exists and is not an ONNX export (no {ModelFile}); it is left as it is. Choose another -Path.", "Path");
            // Only an export BertNer wrote is replaced, and only when it holds nothing else.
            var foreign = Directory.EnumerateFileSystemEntries(full).Select(Path.GetFileName).Where(n => !ExportFiles.Contains(n!)).ToList();
            if (foreign.Count > 0 || !WrittenByBertNer(Path.Combine(full, ModelFile)))
                throw new BertNerException(BertNerErrorKind.InvalidArgument,
                    foreign.Count > 0
                        ? $"'{full}' holds {string.Join(", ", foreign)} besides an export; BertNer replaces only a folder it wrote whole. Choose another -Path, or move those out."
                        : $"'{full}/{ModelFile}' was not written by BertNer; it is left as it is. Choose another -Path.", "Path");
        }
        var proto = Build(model, quantization);
        var config = model.Config.Clone();
        config.Architectures = new List<string> { "BertForTokenClassification" };
        AtomicFile.WriteFolder(full, tmp =>
        {
            AtomicFile.Write(Path.Combine(tmp, ModelFile), fs => proto.WriteTo(fs));
            AtomicFile.WriteAllText(Path.Combine(tmp, "config.json"), config.ToJson().ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            model.Tokenizer.Save(tmp);
        });
    }

    // What an export folder holds (the tokenizer writes the last three).
    private static readonly HashSet<string> ExportFiles = new(StringComparer.Ordinal)
        { ModelFile, "config.json", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json" };

    private static bool WrittenByBertNer(string modelPath)
    {
        try
        {
            using var stream = File.OpenRead(modelPath);
            return ModelProto.Parser.ParseFrom(stream).ProducerName == "BertNer";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidProtocolBufferException) { return false; }
    }

    /// <summary>The ONNX model of <paramref name="model"/>'s token classifier.</summary>
    public static ModelProto Build(NerModel model, OnnxQuantization quantization = OnnxQuantization.None)
    {
        var net = model.Classifier ?? throw new BertNerException(BertNerErrorKind.InvalidArgument,
            $"'{model.Name}' is a plain encoder without labels; only a fine-tuned token classifier can be exported.", "Model");
        var c = model.Config;
        if (c.PositionEmbeddingType != "absolute")
            throw new BertNerException(BertNerErrorKind.InvalidArgument,
                $"'{model.Name}' uses position_embedding_type '{c.PositionEmbeddingType}'; the ONNX export supports 'absolute' only.", "Model");
        using var scope = NewDisposeScope();
        var weights = net.state_dict();
        var g = new OnnxGraph("bertner_token_classification");
        var w = new WeightReader(weights);

        foreach (var input in new[] { "input_ids", "attention_mask", "token_type_ids" }) g.Input(input, DataType.Int64, "batch", "sequence");
        g.Output("logits", DataType.Float, "batch", "sequence", c.Labels.Count);

        // The fused operators take int32 ids and masks; the public inputs stay int64 as every BERT export has them.
        string Int32(string name) => g.Node("Cast", new[] { name }, name + "_int32", attributes: ("to", (int)DataType.Int32));
        var ids = Int32("input_ids");
        var mask = Int32("attention_mask");
        var types = Int32("token_type_ids");
        float eps = (float)c.LayerNormEps;

        const string e = "bert.embeddings.";
        var x = g.Node("EmbedLayerNormalization", new[]
            {
                ids, types, g.Floats("word_embeddings", w.Get(e + "word_embeddings.weight"), c.VocabSize, c.HiddenSize),
                g.Floats("position_embeddings", w.Get(e + "position_embeddings.weight"), c.MaxPositionEmbeddings, c.HiddenSize),
                g.Floats("token_type_embeddings", w.Get(e + "token_type_embeddings.weight"), c.TypeVocabSize, c.HiddenSize),
                g.Floats("embeddings_ln_gamma", w.Get(e + "LayerNorm.weight"), c.HiddenSize),
                g.Floats("embeddings_ln_beta", w.Get(e + "LayerNorm.bias"), c.HiddenSize),
            }, new[] { "embeddings", "embeddings_mask_index" }, OnnxGraph.MicrosoftDomain, ("epsilon", eps))[0]; // its type inference wants the mask_index output named, though nothing reads it

        var linear = new LinearEmitter(g, w, quantization);
        for (int i = 0; i < c.NumHiddenLayers; i++)
        {
            var p = $"bert.encoder.layer.{i}.";
            var n = $"layer{i}_";
            // Attention's weight is [hidden, 3·hidden]: the transposed query, key and value weights side by side.
            var qkv = g.Floats(n + "qkv_weight", w.Concat(transpose: true, p + "attention.self.query.weight", p + "attention.self.key.weight", p + "attention.self.value.weight"),
                c.HiddenSize, 3L * c.HiddenSize);
            var qkvBias = g.Floats(n + "qkv_bias", w.Concat(transpose: false, p + "attention.self.query.bias", p + "attention.self.key.bias", p + "attention.self.value.bias"), 3L * c.HiddenSize);
            // The raw [batch, sequence] mask, so any padding side works; masked keys get -10000 added, as in BERT.
            var context = g.Node("Attention", new[] { x, qkv, qkvBias, mask }, n + "attention", OnnxGraph.MicrosoftDomain,
                ("num_heads", c.NumAttentionHeads));
            var attended = linear.Emit(context, p + "attention.output.dense", n + "attention_output", c.HiddenSize, c.HiddenSize, out var attendedBias);
            var h1 = SkipLayerNorm(g, w, attended, x, attendedBias, p + "attention.output.LayerNorm", n + "attention_ln", c.HiddenSize, eps);
            var inner = linear.Emit(h1, p + "intermediate.dense", n + "intermediate", c.HiddenSize, c.IntermediateSize, out var innerBias);
            var activated = Activation(g, inner, innerBias, c.HiddenAct, n + "activation");
            var output = linear.Emit(activated, p + "output.dense", n + "output", c.IntermediateSize, c.HiddenSize, out var outputBias);
            x = SkipLayerNorm(g, w, output, h1, outputBias, p + "output.LayerNorm", n + "output_ln", c.HiddenSize, eps);
        }
        var logits = linear.Emit(x, "classifier", "classifier", c.HiddenSize, c.Labels.Count, out var classifierBias, quantize: false);
        g.Node("Add", new[] { logits, classifierBias! }, "logits");

        var proto = new ModelProto
        {
            IrVersion = 8,
            ProducerName = "BertNer",
            ProducerVersion = typeof(OnnxExporter).Assembly.GetName().Version?.ToString() ?? "",
            Graph = g.Graph,
        };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = OnnxGraph.MicrosoftDomain, Version = 1 });
        var id2label = new JsonObject();
        var label2id = new JsonObject();
        for (int i = 0; i < c.Labels.Count; i++) { id2label[i.ToString(System.Globalization.CultureInfo.InvariantCulture)] = c.Labels[i]; label2id[c.Labels[i]] = i; }
        proto.MetadataProps.Add(new StringStringEntryProto { Key = "id2label", Value = id2label.ToJsonString() });
        proto.MetadataProps.Add(new StringStringEntryProto { Key = "label2id", Value = label2id.ToJsonString() });
        proto.MetadataProps.Add(new StringStringEntryProto { Key = "quantization", Value = quantization.ToString() });
        return proto;
    }

    // y = LayerNorm(input + skip + bias): the residual sum and the norm in one kernel.
    private static string SkipLayerNorm(OnnxGraph g, WeightReader w, string input, string skip, string? bias, string ln, string name, int hidden, float eps)
    {
        var inputs = new List<string> { input, skip, g.Floats(name + "_gamma", w.Get(ln + ".weight"), hidden), g.Floats(name + "_beta", w.Get(ln + ".bias"), hidden) };
        if (bias != null) inputs.Add(bias);
        return g.Node("SkipLayerNormalization", inputs.ToArray(), name, OnnxGraph.MicrosoftDomain, ("epsilon", eps));
    }

    // The intermediate activation with the dense layer's bias folded in where a fused kernel exists.
    private static string Activation(OnnxGraph g, string input, string? bias, string act, string name)
    {
        string Biased() => bias is null ? input : g.Node("Add", new[] { input, bias }, name + "_biased");
        return act switch
        {
            // HF's "gelu" is the exact erf form: BiasGelu/Gelu compute it; FastGelu is the tanh form (off by up to 5e-4).
            "gelu" => bias is null ? g.Node("Gelu", new[] { input }, name, OnnxGraph.MicrosoftDomain) : g.Node("BiasGelu", new[] { input, bias }, name, OnnxGraph.MicrosoftDomain),
            "gelu_new" or "gelu_pytorch_tanh" => g.Node("FastGelu", bias is null ? new[] { input } : new[] { input, bias }, name, OnnxGraph.MicrosoftDomain),
            "relu" => g.Node("Relu", new[] { Biased() }, name),
            "tanh" => g.Node("Tanh", new[] { Biased() }, name),
            _ => throw new BertNerException(BertNerErrorKind.InvalidArgument, $"hidden_act '{act}' has no ONNX export.", "Model"),
        };
    }

    /// <summary>Emits x·Wᵀ for a torch Linear; the bias is returned for the next fused node to add (SkipLayerNormalization, BiasGelu).</summary>
    private sealed class LinearEmitter(OnnxGraph g, WeightReader w, OnnxQuantization quantization)
    {
        public string Emit(string input, string prefix, string name, int inFeatures, int outFeatures, out string? bias, bool quantize = true)
        {
            var weight = w.Get(prefix + ".weight", transpose: true); // [in, out]
            bias = g.Floats(name + "_bias", w.Get(prefix + ".bias"), outFeatures);
            if (quantization != OnnxQuantization.Int8 || !quantize)
                return g.Node("MatMul", new[] { input, g.Floats(name + "_weight", weight, inFeatures, outFeatures) }, name);
            var (q, scales) = Int8Weights.Quantize(weight, inFeatures, outFeatures);
            var result = g.Node("DynamicQuantizeMatMul", new[]
            {
                input, g.Int8s(name + "_weight_int8", q, inFeatures, outFeatures), g.Floats(name + "_weight_scale", scales, outFeatures), "", bias,
            }, name, OnnxGraph.MicrosoftDomain);
            bias = null; // added by DynamicQuantizeMatMul itself
            return result;
        }
    }

    /// <summary>Reads float32 weights out of the state dict (on the CPU, contiguous).</summary>
    private sealed class WeightReader(Dictionary<string, Tensor> weights)
    {
        public float[] Get(string name, bool transpose = false)
        {
            if (!weights.TryGetValue(name, out var t))
                throw new BertNerException(BertNerErrorKind.InvalidData, $"The model has no weight '{name}' to export.", name);
            using var scope = NewDisposeScope();
            var source = transpose ? t.t() : t;
            return source.detach().to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
        }

        public float[] Concat(bool transpose, params string[] names)
        {
            using var scope = NewDisposeScope();
            var parts = names.Select(n => weights.TryGetValue(n, out var t) ? (transpose ? t.t() : t) :
                throw new BertNerException(BertNerErrorKind.InvalidData, $"The model has no weight '{n}' to export.", n)).ToArray();
            return cat(parts, dim: transpose ? 1 : 0).detach().to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
        }
    }
}
