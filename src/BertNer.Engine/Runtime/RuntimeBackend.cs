namespace BertNer.Runtime;

/// <summary>The libtorch build: CPU everywhere, CUDA 12.8 on linux-x64 and win-x64 (the NuGet packages that exist).</summary>
public enum RuntimeBackend
{
    Cpu,
    Cuda,
}
