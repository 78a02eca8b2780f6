namespace BertNer.Onnx;

/// <summary>How the exported graph stores the linear layers' weights.</summary>
public enum OnnxQuantization
{
    /// <summary>float32 everywhere: the same logits as the TorchSharp forward (within float rounding).</summary>
    None,

    /// <summary>int8 weights (symmetric, one scale per output column) for the feed-forward and output
    /// projections, with activations quantized per batch at run time (ONNX Runtime's DynamicQuantizeMatMul).
    /// Smaller and faster on the CPU; the attention projections stay float32.</summary>
    Int8,
}
