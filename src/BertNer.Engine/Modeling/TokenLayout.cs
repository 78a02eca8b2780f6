using BertNer.Features;

using static TorchSharp.torch;

namespace BertNer.Modeling;

/// <summary>
/// Where the real tokens of a padded batch are. The encoder runs its dense layers on the real tokens
/// only ([N, hidden], padding removed) and re-pads just around attention. With random batches half of a
/// padded batch is padding, so this halves the work without changing a single real token's result.
/// </summary>
public sealed class TokenLayout : IDisposable
{
    public long Batch { get; }
    public long Seq { get; }
    /// <summary>Positions of the real tokens in the flattened [batch·seq] grid; null when there is no padding.</summary>
    public Tensor? Index { get; }
    /// <summary>[batch, 1, 1, seq] boolean: keys that may be attended; null when there is no padding.</summary>
    public Tensor? KeyMask { get; }

    public TokenLayout(long batch, long seq, Tensor? attentionMask)
    {
        Batch = batch;
        Seq = seq;
        if (attentionMask is null) return;
        using var flat = attentionMask.reshape(-1).to(ScalarType.Bool);
        long real = flat.sum().item<long>();
        if (real == batch * seq) return; // nothing padded: the plain path is exact and cheaper
        Index = flat.nonzero().squeeze(1);
        KeyMask = attentionMask.to(ScalarType.Bool).unsqueeze(1).unsqueeze(2);
    }

    public long Tokens => Index?.shape[0] ?? Batch * Seq;

    /// <summary>[batch, seq, f] → [N, f] (real tokens only).</summary>
    public Tensor Unpad(Tensor padded)
    {
        var flat = padded.reshape(Batch * Seq, padded.shape[^1]);
        return Index is null ? flat : flat.index_select(0, Index);
    }

    /// <summary>[N, f] → [batch, seq, f], zeros at padding.</summary>
    public Tensor Pad(Tensor tokens)
    {
        if (Index is null) return tokens.view(Batch, Seq, tokens.shape[^1]);
        var full = zeros(new[] { Batch * Seq, tokens.shape[^1] }, dtype: tokens.dtype, device: tokens.device);
        return full.index_copy(0, Index, tokens).view(Batch, Seq, tokens.shape[^1]);
    }

    public void Dispose()
    {
        Index?.Dispose();
        KeyMask?.Dispose();
    }
}
