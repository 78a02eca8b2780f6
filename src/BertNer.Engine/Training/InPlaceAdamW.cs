using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BertNer.Training;

/// <summary>
/// torch.optim.AdamW's math (decoupled weight decay, bias correction) with state buffers kept across
/// steps and every update done in place. TorchSharp's AdamW allocates temporaries per parameter per
/// step, which on these machines costs more than forward+backward (see PLATFORM.md).
/// Biases and LayerNorm weights get no weight decay, as in the HF Trainer.
/// </summary>
public sealed class InPlaceAdamW : IDisposable
{
    private readonly (string Name, Parameter Param, Tensor ExpAvg, Tensor ExpAvgSq, bool Decay)[] _groups;
    private readonly Tensor _scratch;
    private readonly double _beta1, _beta2, _eps, _weightDecay;

    public int Step { get; private set; }

    public InPlaceAdamW(IEnumerable<(string Name, Parameter Param)> parameters, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0.01)
    {
        _beta1 = beta1; _beta2 = beta2; _eps = eps; _weightDecay = weightDecay;
        _groups = parameters.Where(p => p.Param.requires_grad)
            .Select(p => (p.Name, p.Param, zeros_like(p.Param), zeros_like(p.Param), !IsNoDecay(p.Name)))
            .ToArray();
        long max = _groups.Max(g => g.Param.numel());
        _scratch = empty(max, dtype: _groups[0].Param.dtype, device: _groups[0].Param.device);
    }

    public static bool IsNoDecay(string name) => name.EndsWith("bias", StringComparison.Ordinal) || name.Contains("LayerNorm.weight", StringComparison.Ordinal);

    public void ZeroGrad()
    {
        using var scope = NewDisposeScope();
        foreach (var g in _groups) g.Param.grad?.zero_();
    }

    /// <summary>One AdamW step at learning rate <paramref name="lr"/>.</summary>
    public void Update(double lr)
    {
        Step++;
        double bc1 = 1 - Math.Pow(_beta1, Step);
        double bc2Sqrt = Math.Sqrt(1 - Math.Pow(_beta2, Step));
        double stepSize = lr / bc1;
        using var _ = no_grad();
        using var scope = NewDisposeScope(); // grad handles and scratch views made below
        // Scalars made explicitly and kept alive until the end: an implicit double→Scalar temporary can be
        // finalized by the GC while libtorch still reads it (seen once as a failed toFloat check).
        using Scalar beta1 = _beta1, oneMinusBeta1 = 1 - _beta1, beta2 = _beta2, oneMinusBeta2 = 1 - _beta2;
        using Scalar bc2 = bc2Sqrt, eps = _eps, negStep = -stepSize, decay = 1 - lr * _weightDecay;
        foreach (var (_, p, m, v, decays) in _groups)
        {
            var g = p.grad;
            if (g is null) continue;
            if (decays && _weightDecay != 0) p.mul_(decay);
            m.mul_(beta1).add_(g, alpha: oneMinusBeta1);
            v.mul_(beta2).addcmul_(g, g, value: oneMinusBeta2);
            var denom = _scratch.narrow(0, 0, p.numel()).view_as(p);
            denom.copy_(v).sqrt_().div_(bc2).add_(eps);
            p.addcdiv_(m, denom, value: negStep);
        }
    }

    /// <summary>Scales all gradients so their global L2 norm is at most <paramref name="maxNorm"/> (torch's clip_grad_norm_); returns the norm before clipping.</summary>
    public Tensor ClipGradNorm(double maxNorm)
    {
        using var scope = NewDisposeScope();
        var norms = _groups.Where(g => g.Param.grad is not null).Select(g => g.Param.grad!.norm()).ToArray();
        var total = stack(norms).norm();
        if (maxNorm > 0)
        {
            using Scalar max = maxNorm, tiny = 1e-6, one = 1.0;
            var coef = full_like(total, max).div_(total + tiny).clamp_max_(one); // torch: max_norm / (norm + 1e-6), at most 1
            foreach (var g in _groups) g.Param.grad?.mul_(coef);
        }
        return total.MoveToOuterDisposeScope();
    }

    /// <summary>The optimizer state as named tensors (for checkpoints).</summary>
    public Dictionary<string, Tensor> StateDict()
    {
        var d = new Dictionary<string, Tensor>();
        foreach (var (name, _, m, v, _) in _groups)
        {
            d["exp_avg." + name] = m;
            d["exp_avg_sq." + name] = v;
        }
        d["step"] = tensor(new long[] { Step });
        return d;
    }

    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state, string source)
    {
        BertNerException Damaged(string what) => new(BertNerErrorKind.InvalidData,
            $"'{source}' {what}; the checkpoint is damaged or does not belong to this model. Restore the folder, or start the run again in another output folder.", source);
        if (!state.TryGetValue("step", out var step) || step.dtype != ScalarType.Int64 || step.numel() != 1 || step.item<long>() is < 0 or > int.MaxValue)
            throw Damaged("has no valid 'step' count");
        // Check everything before copying anything: a half-loaded optimizer must never go on training.
        using (var scope = NewDisposeScope())
        {
            foreach (var (name, p, _, _, _) in _groups)
            foreach (var key in new[] { "exp_avg." + name, "exp_avg_sq." + name })
            {
                if (!state.TryGetValue(key, out var t)) throw Damaged($"has no optimizer state '{key}'");
                if (!t.shape.SequenceEqual(p.shape) || !t.is_floating_point())
                    throw Damaged($"has '{key}' as {t.dtype} [{string.Join(", ", t.shape)}], not a floating-point [{string.Join(", ", p.shape)}]");
                if (!t.isfinite().all().item<bool>()) throw Damaged($"has NaN or infinite values in '{key}'");
            }
        }
        using var _ = no_grad();
        foreach (var (name, _, m, v, _) in _groups)
        {
            m.copy_(state["exp_avg." + name]);
            v.copy_(state["exp_avg_sq." + name]);
        }
        Step = (int)step.item<long>();
    }

    public void Dispose()
    {
        foreach (var g in _groups) { g.ExpAvg.Dispose(); g.ExpAvgSq.Dispose(); }
        _scratch.Dispose();
    }
}
