using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using BertNer.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BertNer.Training;

/// <summary>
/// torch.optim.AdamW's math (decoupled weight decay, bias correction) with state buffers kept across
/// steps and every update done in place. TorchSharp's AdamW allocates temporaries per parameter per
/// step, which costs more than forward+backward (docs/design.md, "AdamW"); on the CPU the
/// whole update is one fused pass (<see cref="AdamWKernel"/>).
/// Biases and LayerNorm weights get no weight decay, as in the HF Trainer.
/// </summary>
public sealed class InPlaceAdamW : IDisposable
{
    private readonly (string Name, Parameter Param, Tensor ExpAvg, Tensor ExpAvgSq, bool Decay)[] _groups;
    private Tensor? _scratch; // the op-by-op path's denominator buffer (47 MB for MiniLM); the fused path needs none
    // The fused CPU update works on (parameter, offset, length) chunks of at most ChunkSize elements, so
    // the word embeddings (half of MiniLM) spread over all cores and small tensors do not each wait.
    private const int ChunkSize = 1 << 16;
    private readonly (int Group, long Offset, long Length)[] _chunks;
    private readonly bool _fused;
    private readonly double _beta1, _beta2, _eps, _weightDecay;

    public int Step { get; private set; }

    /// <param name="fused">Use the one-pass CPU update when every parameter is a contiguous float32 CPU tensor (the default); false forces libtorch ops.</param>
    public InPlaceAdamW(IEnumerable<(string Name, Parameter Param)> parameters, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0.01, bool fused = true)
    {
        _beta1 = beta1; _beta2 = beta2; _eps = eps; _weightDecay = weightDecay;
        _groups = parameters.Where(p => p.Param.requires_grad)
            .Select(p => (p.Name, p.Param, zeros_like(p.Param), zeros_like(p.Param), !IsNoDecay(p.Name)))
            .ToArray();
        // Dense gradient buffers from the start: the fused kernel reads and zeroes them in place, and the
        // word embeddings' sparse gradient accumulates into one (an undefined grad would become sparse).
        foreach (var g in _groups)
            if (g.Param.grad is null) { using var z = zeros_like(g.Param); g.Param.grad = z; }
        _fused = fused && _groups.All(g => g.Param.device_type == DeviceType.CPU && g.Param.dtype == ScalarType.Float32 && g.Param.is_contiguous());
        _chunks = _groups.SelectMany((g, k) => Chunks(k, g.Param.numel())).ToArray();
    }

    private static IEnumerable<(int, long, long)> Chunks(int group, long count)
    {
        for (long o = 0; o < count; o += ChunkSize) yield return (group, o, Math.Min(ChunkSize, count - o));
    }

    public static bool IsNoDecay(string name) => name.EndsWith("bias", StringComparison.Ordinal) || name.Contains("LayerNorm.weight", StringComparison.Ordinal);

    public void ZeroGrad()
    {
        using var scope = NewDisposeScope();
        foreach (var g in _groups) g.Param.grad?.zero_();
    }

    /// <summary>
    /// One AdamW step at learning rate <paramref name="lr"/>, the gradients first scaled by
    /// <paramref name="gradScale"/> (gradient clipping's coefficient, see <see cref="ClipScale"/>) and, with
    /// <paramref name="zeroGradients"/>, set to zero afterwards. On the CPU this is one fused pass per
    /// parameter (<see cref="AdamWKernel"/>), spread over the cores; elsewhere it is libtorch ops.
    /// </summary>
    public void Update(double lr, float gradScale = 1f, bool zeroGradients = false)
    {
        Step++;
        double bc1 = 1 - Math.Pow(_beta1, Step);
        double bc2Sqrt = Math.Sqrt(1 - Math.Pow(_beta2, Step));
        double stepSize = lr / bc1;
        using var _ = no_grad();
        using var scope = NewDisposeScope(); // grad handles and scratch views made below
        if (!(_fused && UpdateFused(lr, gradScale, zeroGradients, bc2Sqrt, stepSize)))
            UpdateWithOps(lr, gradScale, zeroGradients, bc2Sqrt, stepSize);
    }

    /// <summary>The fused update; false (nothing changed) when a gradient is not contiguous.</summary>
    private unsafe bool UpdateFused(double lr, float gradScale, bool zeroGradients, double bc2Sqrt, double stepSize)
    {
        // Pointers are taken on this thread (TorchSharp calls), the arithmetic runs on all cores.
        var ptrs = new (IntPtr P, IntPtr G, IntPtr M, IntPtr V)[_groups.Length];
        for (int k = 0; k < _groups.Length; k++)
        {
            var (_, p, m, v, _) = _groups[k];
            var g = p.grad;
            if (g is null) continue;
            // The kernel reads and zeroes gradients in place, so it needs them contiguous (they always are
            // for BERT; anything else takes the op-by-op path rather than a copy that would not be zeroed).
            if (!g.is_contiguous()) return false;
            ptrs[k] = (Address(p), Address(g), Address(m), Address(v));
        }
        var withDecay = Coefficients(lr, gradScale, zeroGradients, bc2Sqrt, stepSize, decays: true);
        var noDecay = Coefficients(lr, gradScale, zeroGradients, bc2Sqrt, stepSize, decays: false);
        SleepingParallel.For(_chunks.Length, c =>
        {
            var (k, offset, length) = _chunks[c];
            var (p, g, m, v) = ptrs[k];
            if (g == IntPtr.Zero) return;
            AdamWKernel.Run((float*)p + offset, (float*)g + offset, (float*)m + offset, (float*)v + offset, length,
                _groups[k].Decay ? withDecay : noDecay);
        });
        return true;
    }

    private AdamWKernel.Coefficients Coefficients(double lr, float gradScale, bool zeroGradients, double bc2Sqrt, double stepSize, bool decays) =>
        new(gradScale, decays && _weightDecay != 0 ? (float)(1 - lr * _weightDecay) : 1f,
            (float)_beta1, (float)(1 - _beta1), (float)_beta2, (float)(1 - _beta2),
            (float)bc2Sqrt, (float)_eps, (float)-stepSize, zeroGradients);

    private static unsafe IntPtr Address(Tensor t) => (IntPtr)Unsafe.AsPointer(ref MemoryMarshal.GetReference(t.bytes));

    private void UpdateWithOps(double lr, float gradScale, bool zeroGradients, double bc2Sqrt, double stepSize)
    {
        // Scalars made explicitly and kept alive until the end: an implicit double→Scalar temporary can be
        // finalized by the GC while libtorch still reads it (seen once as a failed toFloat check).
        using Scalar beta1 = _beta1, oneMinusBeta1 = 1 - _beta1, beta2 = _beta2, oneMinusBeta2 = 1 - _beta2;
        using Scalar bc2 = bc2Sqrt, eps = _eps, negStep = -stepSize, decay = 1 - lr * _weightDecay, scale = gradScale;
        foreach (var (_, p, m, v, decays) in _groups)
        {
            var g = p.grad;
            if (g is null) continue;
            if (gradScale != 1f) g.mul_(scale);
            if (decays && _weightDecay != 0) p.mul_(decay);
            m.mul_(beta1).add_(g, alpha: oneMinusBeta1);
            v.mul_(beta2).addcmul_(g, g, value: oneMinusBeta2);
            _scratch ??= empty(_groups.Max(x => x.Param.numel()), dtype: p.dtype, device: p.device).DetachFromDisposeScope();
            var denom = _scratch.narrow(0, 0, p.numel()).view_as(p);
            denom.copy_(v).sqrt_().div_(bc2).add_(eps, KeptScalars.One);
            p.addcdiv_(m, denom, value: negStep);
            if (zeroGradients) g.zero_();
        }
    }

    /// <summary>The global L2 norm of all gradients (what clip_grad_norm_ measures).</summary>
    public Tensor GradNorm()
    {
        using var scope = NewDisposeScope();
        var norms = _groups.Where(g => g.Param.grad is not null).Select(g => g.Param.grad!.norm()).ToArray();
        return stack(norms).norm().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// torch's clip_grad_norm_ coefficient for the current gradients, max_norm / (norm + 1e-6) at most 1, as
    /// float32; pass it to <see cref="Update"/>, which scales the gradients as clip_grad_norm_ would.
    /// </summary>
    public float ClipScale(double maxNorm)
    {
        using var scope = NewDisposeScope();
        using Scalar max = maxNorm, tiny = 1e-6, one = 1.0;
        var total = GradNorm();
        return full_like(total, max).div_(total.add(tiny, one)).clamp_max_(one).item<float>();
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
        _scratch?.Dispose();
    }
}
