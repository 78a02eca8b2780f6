namespace BertNer.Runtime;

/// <summary>Which native runtime: libtorch with TorchSharp's glue (training, the libtorch backend) or ONNX Runtime (Get-NerEntity -Backend Onnx).</summary>
public enum RuntimeKind
{
    Torch,
    Onnx,
}
