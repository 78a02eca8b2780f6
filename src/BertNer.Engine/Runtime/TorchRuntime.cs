using System.Runtime.InteropServices;
using TorchSharp;

namespace BertNer.Runtime;

/// <summary>
/// Loads libtorch once, turns a native load failure into one clear error, and applies the process-wide
/// settings that make CPU training fast here (threads, glibc allocator).
/// </summary>
public static class TorchRuntime
{
    private static readonly object Gate = new();
    private static bool _ready;

    public static void EnsureLoaded()
    {
        if (_ready) return;
        lock (Gate)
        {
            if (_ready) return;
            GlibcAllocator.Tune();
            try
            {
                torch.InitializeDeviceType(DeviceType.CPU);
                torch.set_num_threads(Environment.ProcessorCount);
            }
            catch (Exception e) when (e is TypeInitializationException or DllNotFoundException or NotSupportedException or BadImageFormatException)
            {
                throw new BertNerException(BertNerErrorKind.NotInstalled, DescribeLoadFailure(e), typeof(torch).Assembly.Location, e);
            }
            _ready = true;
        }
    }

    private static string DescribeLoadFailure(Exception e)
    {
        var folder = Path.GetDirectoryName(typeof(torch).Assembly.Location) ?? ".";
        // TorchSharp's own message hides the loader's reason; asking the loader directly reveals it.
        var all = string.Join(" | ", Flatten(e).Select(x => x.Message).Append(ProbeNative(folder)).Where(m => m.Length > 0));
        var why = all.Contains("GLIBCXX", StringComparison.Ordinal)
            ? "the system's libstdc++ is older than the one libtorch was built against (GLIBCXX_3.4.32 missing). "
              + "Rebuild the module with ./build.ps1, which patches the staged libLibTorchSharp.so for this system, "
              + "or install a newer libstdc++ (GCC 13 or later)."
            : "the native libtorch libraries could not be loaded. They must sit next to TorchSharp.dll in "
              + $"'{folder}'. Rebuild the module with ./build.ps1 (and -Backend Cpu|CudaLinux|CudaWindows matching this machine).";
        return $"TorchSharp could not start: {why} Native loader said: {all}";
    }

    private static string ProbeNative(string folder)
    {
        var name = RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "LibTorchSharp.dll"
            : RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? "libLibTorchSharp.dylib" : "libLibTorchSharp.so";
        var path = Path.Combine(folder, name);
        if (!File.Exists(path)) return $"{path} does not exist";
        try { NativeLibrary.Free(NativeLibrary.Load(path)); return ""; }
        catch (Exception x) { return x.Message; }
    }

    private static IEnumerable<Exception> Flatten(Exception e)
    {
        for (Exception? x = e; x != null; x = x.InnerException) yield return x;
    }

    /// <summary>Resolves Auto|Cpu|Cuda to a device; Auto picks CUDA when libtorch reports it.</summary>
    public static torch.Device ResolveDevice(string? device)
    {
        EnsureLoaded();
        switch ((device ?? "Auto").Trim().ToLowerInvariant())
        {
            case "auto": return torch.cuda.is_available() ? torch.CUDA : torch.CPU;
            case "cpu": return torch.CPU;
            case "cuda":
                if (!torch.cuda.is_available())
                    throw new BertNerException(BertNerErrorKind.ResourceUnavailable,
                        "Device 'Cuda' was asked for but libtorch reports no CUDA device. Build with -Backend CudaLinux or CudaWindows on a machine with an NVIDIA GPU, or use -Device Cpu.",
                        "Device");
                return torch.CUDA;
            default:
                throw new BertNerException(BertNerErrorKind.InvalidArgument,
                    $"Unknown device '{device}'. Expected Auto, Cpu or Cuda.", "Device");
        }
    }
}
