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
            TuneAllocator();
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

    // glibc's defaults cost twice over here (PLATFORM.md): blocks over its dynamic threshold (up to 32 MB)
    // come as fresh mmaps whose pages all fault on first touch, and a heap that keeps everything else
    // fragments: with every block in the heap (M_MMAP_MAX 0, the setting before this one) MiniLM training
    // held ~300 MB of free pages above its ~610 MB of live memory. Blocks of 1 MB and more now get their
    // own mapping and go back to the system when freed (the step's larger activations; the epoch's longest
    // batch no longer raises the resident size for good), smaller ones stay in a heap that is never
    // trimmed by glibc itself. Training allocates no big block every step any more (sparse embedding
    // gradients, the in-place AdamW), so the faults this costs are few: measured over 1,000 MiniLM steps,
    // 7.1 steps/s either way, peak RSS 1,204 → 930 MB together with the embedding and trimming changes.
    private const int M_TRIM_THRESHOLD = -1;
    private const int M_MMAP_THRESHOLD = -3;
    private const int MmapThresholdBytes = 1 << 20;

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int MallOpt(int param, int value);

    private static void TuneAllocator()
    {
        if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux)) return;
        if (Environment.GetEnvironmentVariable("BERTNER_NO_MALLOPT") == "1") return;
        try
        {
            MallOpt(M_MMAP_THRESHOLD, MmapThresholdBytes);
            MallOpt(M_TRIM_THRESHOLD, int.MaxValue);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // not glibc (e.g. musl): nothing to tune
        }
    }
}
