namespace BertNer.Runtime;

/// <summary>How far a runtime install has got: a few reports a second while downloading, checking or unpacking a package.</summary>
/// <param name="Runtime">The runtime's folder name, e.g. libtorch-2.10.0-cpu-linux-x64.</param>
/// <param name="Stage">Downloading, Checking (the SHA512) or Unpacking.</param>
/// <param name="Package">The package, e.g. "libtorch-cpu-linux-x64 2.10.0".</param>
/// <param name="BytesDone">Bytes of the package handled so far.</param>
/// <param name="TotalBytes">The package's size, when known.</param>
public sealed record RuntimeInstallProgress(string Runtime, string Stage, string Package, long BytesDone, long? TotalBytes)
{
    public int? PercentComplete => TotalBytes is long t && t > 0 ? (int)Math.Clamp(BytesDone * 100 / t, 0, 100) : null;
}
