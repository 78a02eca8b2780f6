using BertNer.Training;
using BertNer.Modeling;
using BertNer.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace BertNer.Tests.Modeling;

/// <summary>Numerical parity with Hugging Face Transformers on the real MiniLM checkpoint (../shared/golden).</summary>
public class ModelGoldenTests
{
    private const double Tol = 1e-4;
    private static readonly string[] Labels = { "O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC" };

    [SkippableFact]
    public void Encoder_hidden_states_and_pooler_match_hugging_face()
    {
        var golden = SharedAssets.Golden("minilm_reference.json");
        using var model = NerModel.Load(SharedAssets.MiniLm, device: "Cpu");
        Assert.Null(model.Classifier);
        using var _ = no_grad();
        foreach (var s in golden["sentences"]!.AsArray())
        {
            using var scope = NewDisposeScope();
            var ids = tensor(Json.Longs(s!["input_ids"])).unsqueeze(0);
            var h = model.Encoder.forward(ids, ones_like(ids), null)[0];
            var expected = tensor(Json.Flat2D(s["last_hidden_state"])).view(h.shape);
            Assert.True(MaxAbs(h, expected) <= Tol, $"hidden states differ by {MaxAbs(h, expected)} for '{s["text"]}'");
            var pooled = model.Encoder.Pool(h.unsqueeze(0))[0];
            var ep = tensor(Json.Floats(s["pooler_output"]));
            Assert.True(MaxAbs(pooled, ep) <= Tol, $"pooler differs by {MaxAbs(pooled, ep)}");
        }
    }

    [SkippableFact]
    public void Token_classification_logits_and_losses_match_hugging_face()
    {
        var golden = SharedAssets.Golden("minilm_token_classification.json");
        using var model = LoadWithGoldenHead(golden);
        var net = model.Classifier!;
        using var _ = no_grad();
        foreach (var s in golden["sequences"]!.AsArray())
        {
            using var scope = NewDisposeScope();
            var ids = tensor(Json.Longs(s!["input_ids"])).unsqueeze(0);
            var logits = net.forward(ids, ones_like(ids), null);
            var expected = tensor(Json.Flat2D(s["logits"])).view(logits.shape);
            Assert.True(MaxAbs(logits, expected) <= Tol, $"logits differ by {MaxAbs(logits, expected)}");
            var loss = BertForTokenClassification.Loss(logits, tensor(Json.Longs(s["token_label_ids"])).unsqueeze(0)).item<float>();
            Assert.Equal(double.Parse(s["loss"]!.ToString()), loss, 1e-5);
        }
        var b = golden["batch"]!;
        var bids = tensor(Json.Flat2D(b["input_ids"]).Select(x => (long)x).ToArray()).view(2, -1);
        var mask = tensor(Json.Flat2D(b["attention_mask"]).Select(x => (long)x).ToArray()).view(2, -1);
        var labels = tensor(Json.Flat2D(b["labels"]).Select(x => (long)x).ToArray()).view(2, -1);
        var batchLoss = BertForTokenClassification.Loss(net.forward(bids, mask, null), labels).item<float>();
        Assert.Equal(b["loss"]!.GetValue<double>(), batchLoss, 1e-5);
    }

    [SkippableFact]
    public void Padded_batch_gradients_match_hugging_face()
    {
        var golden = SharedAssets.Golden("minilm_token_classification.json");
        using var model = LoadWithGoldenHead(golden);
        var net = model.Classifier!;
        var b = golden["batch"]!;
        var bids = tensor(Json.Flat2D(b["input_ids"]).Select(x => (long)x).ToArray()).view(2, -1);
        var mask = tensor(Json.Flat2D(b["attention_mask"]).Select(x => (long)x).ToArray()).view(2, -1);
        var labels = tensor(Json.Flat2D(b["labels"]).Select(x => (long)x).ToArray()).view(2, -1);
        net.eval();
        // As training does it: the optimizer's dense gradient buffers, into which the word embeddings'
        // sparse gradient accumulates, and its clipping norm.
        using var opt = new InPlaceAdamW(net.named_parameters());
        var loss = BertForTokenClassification.Loss(net.forward(bids, mask, null), labels);
        loss.backward();
        var p = net.named_parameters().ToDictionary(kv => kv.name, kv => kv.parameter);
        void Check(string name, string key, double tol)
        {
            var g = p[name].grad!.flatten();
            var e = tensor(Json.Floats(b[key]));
            Assert.True(MaxAbs(g, e) <= tol, $"{name} grad differs by {MaxAbs(g, e)}");
        }
        Check("classifier.weight", "grad_classifier_weight", 1e-4);
        Check("classifier.bias", "grad_classifier_bias", 1e-5);
        Check("bert.embeddings.LayerNorm.weight", "grad_embeddings_LayerNorm_weight", 1e-5);
        Check("bert.encoder.layer.0.attention.self.query.bias", "grad_encoder_layer0_query_bias", 1e-5);
        Assert.All(p.Values, x => Assert.False(x.grad!.is_sparse));
        using var norm = opt.GradNorm();
        Assert.Equal(b["grad_global_l2_norm"]!.GetValue<double>(), norm.item<float>(), 1e-3);
    }

    internal static NerModel LoadWithGoldenHead(System.Text.Json.Nodes.JsonNode golden)
    {
        var model = NerModel.Load(SharedAssets.MiniLm, Labels, device: "Cpu");
        Assert.Contains(model.Warnings, w => w.Contains("no token-classification head"));
        var sd = model.Classifier!.state_dict();
        using (no_grad())
        {
            sd["classifier.weight"].copy_(tensor(Json.Floats(golden["classifier_weight"])).view(9, 384));
            sd["classifier.bias"].copy_(tensor(Json.Floats(golden["classifier_bias"])));
        }
        return model;
    }

    private static double MaxAbs(Tensor a, Tensor b) => (a - b).abs().max().item<float>();
}
