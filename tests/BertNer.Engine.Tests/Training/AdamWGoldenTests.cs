using BertNer.Modeling;
using BertNer.Tests.Modeling;
using BertNer.Tests.Support;
using BertNer.Training;
using static TorchSharp.torch;

namespace BertNer.Tests.Training;

/// <summary>One optimizer step against torch.optim.AdamW as run by Hugging Face (../shared/golden).</summary>
public class AdamWGoldenTests
{
    [SkippableFact]
    public void One_step_matches_torch_adamw_with_hf_weight_decay_groups()
    {
        var golden = SharedAssets.Golden("minilm_token_classification.json");
        using var model = ModelGoldenTests.LoadWithGoldenHead(golden);
        var net = model.Classifier!;
        var b = golden["batch"]!;
        var a = b["adamw_one_step"]!;
        var ids = tensor(Json.Flat2D(b["input_ids"]).Select(x => (long)x).ToArray()).view(2, -1);
        var mask = tensor(Json.Flat2D(b["attention_mask"]).Select(x => (long)x).ToArray()).view(2, -1);
        var labels = tensor(Json.Flat2D(b["labels"]).Select(x => (long)x).ToArray()).view(2, -1);
        net.eval();
        using var opt = new InPlaceAdamW(net.named_parameters(), 0.9, 0.999, 1e-8, 0.01);
        BertForTokenClassification.Loss(net.forward(ids, mask, null), labels).backward();
        opt.Update(a["lr"]!.GetValue<double>());
        opt.ZeroGrad();
        using (no_grad())
        {
            var after = BertForTokenClassification.Loss(net.forward(ids, mask, null), labels).item<float>();
            Assert.Equal(a["loss_after_step"]!.GetValue<double>(), after, 1e-5);
        }
        var bias = net.state_dict()["classifier.bias"];
        var expected = tensor(Json.Floats(a["classifier_bias_after_step"]));
        Assert.True((bias - expected).abs().max().item<float>() < 1e-9 + 1e-7, "classifier bias after the step differs");
    }

    [Fact]
    public void Biases_and_layernorm_weights_get_no_weight_decay()
    {
        Assert.True(InPlaceAdamW.IsNoDecay("bert.encoder.layer.0.attention.self.query.bias"));
        Assert.True(InPlaceAdamW.IsNoDecay("bert.embeddings.LayerNorm.weight"));
        Assert.False(InPlaceAdamW.IsNoDecay("bert.encoder.layer.0.attention.self.query.weight"));
        Assert.False(InPlaceAdamW.IsNoDecay("classifier.weight"));
    }

    [Fact]
    public void Linear_schedule_decays_to_zero_like_hugging_face()
    {
        var s = new LinearSchedule(2e-5, 100, 0);
        Assert.Equal(2e-5, s.At(0), 12);
        Assert.Equal(1e-5, s.At(50), 12);
        Assert.Equal(0, s.At(100), 12);
        var w = new LinearSchedule(1.0, 100, 10);
        Assert.Equal(0.0, w.At(0), 12);
        Assert.Equal(0.5, w.At(5), 12);
        Assert.Equal(1.0, w.At(10), 12);
        Assert.Equal(0.5, w.At(55), 12);
    }
}
