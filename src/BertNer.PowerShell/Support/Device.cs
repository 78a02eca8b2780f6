namespace BertNer.PowerShell.Support;

/// <summary>
/// Where a model runs, for -Device: Auto takes CUDA when libtorch sees a GPU, else the CPU. The engine takes the
/// name as a string, as the YAML key 'device' does.
/// </summary>
public enum Device
{
    Auto,
    Cpu,
    Cuda,
}
