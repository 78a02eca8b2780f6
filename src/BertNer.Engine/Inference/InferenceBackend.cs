namespace BertNer.Inference;

/// <summary>The runtime that computes a model's scores.</summary>
public enum InferenceBackend
{
    /// <summary>ONNX Runtime for a folder that holds model.onnx (an export), libtorch otherwise.</summary>
    Auto,

    /// <summary>libtorch through TorchSharp: a model folder with model.safetensors or pytorch_model.bin.</summary>
    Torch,

    /// <summary>ONNX Runtime: a folder written by Export-BertNerModel. Needs no libtorch.</summary>
    Onnx,
}
