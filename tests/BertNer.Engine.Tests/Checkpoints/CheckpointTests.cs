using BertNer.Checkpoints;
using BertNer.Modeling;
using BertNer.Tests.Support;
using static TorchSharp.torch;

namespace BertNer.Tests.Checkpoints;

/// <summary>Save/load of HF folders with a tiny random model (no ../shared needed).</summary>
public class CheckpointTests
{
    [Fact]
    public void An_onnx_export_is_named_as_one_when_asked_for_weights()
    {
        using var dir = new TempDir();
        var export = dir["export"];
        Directory.CreateDirectory(export);
        File.WriteAllBytes(Path.Combine(export, "model.onnx"), [8, 1]);
        var e = Assert.Throws<BertNerException>(() => StateDictFile.Locate(export));
        Assert.Contains("is an ONNX export", e.Message);
        Assert.Contains("Get-NerEntity", e.Message);
        Assert.Equal(BertNerErrorKind.InvalidArgument, e.Kind);
    }

    [Fact]
    public void Save_then_load_is_bit_exact_with_no_missing_keys()
    {
        using var dir = new TempDir();
        using var model = TinyModel.Create(dir["src"]);
        model.Save(dir["saved"]);
        foreach (var f in new[] { "config.json", "model.safetensors", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json" })
            Assert.True(File.Exists(Path.Combine(dir["saved"], f)), f + " missing");
        using var back = NerModel.Load(dir["saved"], device: "Cpu");
        Assert.Empty(back.Warnings);
        Assert.Equal(TinyModel.Labels, back.Labels);
        var a = model.Classifier!.state_dict();
        var b = back.Classifier!.state_dict();
        Assert.Equal(a.Keys.OrderBy(k => k), b.Keys.OrderBy(k => k));
        foreach (var k in a.Keys)
            Assert.True(a[k].bytes.SequenceEqual(b[k].bytes), $"{k} differs after the round trip");
    }

    [Fact]
    public void Saved_config_is_a_token_classifier_config_hugging_face_reads()
    {
        using var dir = new TempDir();
        using var model = TinyModel.Create(dir["src"]);
        model.Save(dir["saved"]);
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(dir["saved"], "config.json")))!;
        Assert.Equal("BertForTokenClassification", json["architectures"]![0]!.GetValue<string>());
        Assert.Equal("B-PER", json["id2label"]!["1"]!.GetValue<string>());
        Assert.Equal(1, json["label2id"]!["B-PER"]!.GetValue<int>());
        Assert.Equal(1e-12, json["layer_norm_eps"]!.GetValue<double>());
        var st = SafeTensors.Load(Path.Combine(dir["saved"], "model.safetensors"));
        Assert.Contains("bert.encoder.layer.1.attention.self.query.weight", st.Keys);
        Assert.Contains("classifier.weight", st.Keys);
    }

    [Fact]
    public void Weights_without_the_bert_prefix_load_and_a_new_head_is_initialised_with_a_warning()
    {
        using var dir = new TempDir();
        using var model = TinyModel.Create(dir["src"]);
        model.Save(dir["saved"]);
        // Rewrite as a plain BertModel checkpoint: drop "bert." and the head, as a pretrained encoder is stored.
        var path = Path.Combine(dir["saved"], "model.safetensors");
        var sd = SafeTensors.Load(path)
            .Where(kv => kv.Key.StartsWith("bert."))
            .ToDictionary(kv => kv.Key["bert.".Length..], kv => kv.Value);
        SafeTensors.Save(path, sd);
        using var back = NerModel.Load(dir["saved"], TinyModel.Labels, device: "Cpu");
        Assert.Contains(back.Warnings, w => w.Contains("no token-classification head"));
        var a = model.Classifier!.state_dict();
        var b = back.Classifier!.state_dict();
        Assert.True(a["bert.encoder.layer.0.output.dense.weight"].bytes.SequenceEqual(b["bert.encoder.layer.0.output.dense.weight"].bytes));
        Assert.Equal(0f, b["classifier.bias"].abs().sum().item<float>());
        var std = b["classifier.weight"].std().item<float>();
        Assert.InRange(std, 0.01, 0.03);
    }

    [Fact]
    public void Missing_encoder_weight_is_an_error_naming_the_key()
    {
        using var dir = new TempDir();
        using var model = TinyModel.Create(dir["src"]);
        model.Save(dir["saved"]);
        var path = Path.Combine(dir["saved"], "model.safetensors");
        var sd = SafeTensors.Load(path);
        sd.Remove("bert.encoder.layer.1.intermediate.dense.weight");
        SafeTensors.Save(path, sd);
        var e = Assert.Throws<BertNerException>(() => NerModel.Load(dir["saved"], device: "Cpu"));
        Assert.Contains("encoder.layer.1.intermediate.dense.weight", e.Message);
        Assert.Equal(path, e.Target);
    }

    [Fact]
    public void Shape_mismatch_and_unexpected_keys_are_reported()
    {
        using var dir = new TempDir();
        using var model = TinyModel.Create(dir["src"]);
        model.Save(dir["saved"]);
        var path = Path.Combine(dir["saved"], "model.safetensors");
        var sd = SafeTensors.Load(path);
        sd["cls.predictions.bias"] = zeros(5);
        SafeTensors.Save(path, sd);
        using (var back = NerModel.Load(dir["saved"], device: "Cpu"))
            Assert.Contains(back.Warnings, w => w.Contains("cls.predictions.bias"));

        sd.Remove("cls.predictions.bias");
        sd["bert.embeddings.word_embeddings.weight"] = zeros(7, 32);
        SafeTensors.Save(path, sd);
        var e = Assert.Throws<BertNerException>(() => NerModel.Load(dir["saved"], device: "Cpu"));
        Assert.Contains("word_embeddings.weight", e.Message);
        Assert.Contains("[7, 32]", e.Message);
    }

    [Fact]
    public void Truncated_safetensors_gives_a_clear_error()
    {
        using var dir = new TempDir();
        using var model = TinyModel.Create(dir["src"]);
        model.Save(dir["saved"]);
        var path = Path.Combine(dir["saved"], "model.safetensors");
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<BertNerException>(() => NerModel.Load(dir["saved"], device: "Cpu"));
        Assert.Contains("truncated", e.Message);
        File.WriteAllBytes(path, bytes[..4]);
        e = Assert.Throws<BertNerException>(() => SafeTensors.Load(path));
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void Nan_weights_are_refused()
    {
        using var dir = new TempDir();
        using var model = TinyModel.Create(dir["src"]);
        model.Save(dir["saved"]);
        var path = Path.Combine(dir["saved"], "model.safetensors");
        var sd = SafeTensors.Load(path);
        sd["bert.encoder.layer.0.output.dense.bias"][3] = tensor(float.NaN);
        SafeTensors.Save(path, sd);
        var e = Assert.Throws<BertNerException>(() => NerModel.Load(dir["saved"], device: "Cpu"));
        Assert.Contains("NaN", e.Message);
    }
}
