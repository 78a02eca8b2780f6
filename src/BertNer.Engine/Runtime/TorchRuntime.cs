using System.Runtime.InteropServices;
using TorchSharp;

namespace BertNer.Runtime;

/// <summary>
/// Loads libtorch once, turns a native load failure into one clear error, and applies the process-wide
/// settings that make CPU training fast and lean here (threads, glibc allocator, oneDNN's kernel cache).
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
            OneDnnPrimitiveCache.Limit(); // read by oneDNN once, at its first GELU kernel
            // Find (or install) libtorch and load it by full path before TorchSharp's first call, which would
            // otherwise search on its own and copy natives next to TorchSharp.dll.
            LocatedRuntime? runtime = null;
            try
            {
                runtime = NativeRuntime.Ensure(RuntimeKind.Torch);
                torch.InitializeDeviceType(DeviceType.CPU);
                TorchThreads.Start();
            }
            catch (Exception e) when (e is TypeInitializationException or DllNotFoundException or NotSupportedException or BadImageFormatException or EntryPointNotFoundException)
            {
                runtime ??= NativeRuntime.TryFind(RuntimeKind.Torch);
                throw new BertNerException(BertNerErrorKind.NotInstalled, DescribeLoadFailure(e, runtime), runtime?.Path ?? typeof(torch).Assembly.Location, e);
            }
            _ready = true;
        }
    }

    private static string DescribeLoadFailure(Exception e, LocatedRuntime? runtime)
    {
        var folder = runtime?.Path ?? Path.GetDirectoryName(typeof(torch).Assembly.Location) ?? ".";
        // TorchSharp's own message hides the loader's reason; asking the loader directly reveals it.
        var all = string.Join(" | ", Flatten(e).Select(x => x.Message).Append(ProbeNative(runtime, folder)).Where(m => m.Length > 0));
        if (RuntimePlatform.Current.IsWindows) return RuntimeMessages.WindowsLoadFailure(folder, all);
        var why = all.Contains("GLIBCXX", StringComparison.Ordinal)
            ? "the system's libstdc++ is older than the one libtorch was built against (GLIBCXX_3.4.32 missing). "
              + (runtime?.Location == RuntimeLocation.RuntimeFolder
                  ? "Reinstall the runtime with Install-BertNerRuntime -Force, which patches libLibTorchSharp.so for this system, "
                  : "Rebuild the module with ./build.ps1, which patches the staged libLibTorchSharp.so for this system, ")
              + "or install a newer libstdc++ (GCC 13 or later)."
            : $"the native libtorch libraries in '{folder}' could not be loaded. Reinstall them with Install-BertNerRuntime -Force "
              + "(or, in a developer build, rebuild with ./build.ps1 and the -Backend matching this machine).";
        return $"TorchSharp could not start: {why} Native loader said: {all}";
    }

    private static string ProbeNative(LocatedRuntime? runtime, string folder)
    {
        var path = runtime?.Resolve("LibTorchSharp") ?? Path.Combine(folder, RuntimePlatform.Current.LibraryFileNames("LibTorchSharp").First());
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
                        "Device 'Cuda' was asked for but libtorch reports no CUDA device. Install the CUDA runtime (Install-BertNerRuntime -Backend Cuda) on a machine with an NVIDIA GPU, or use -Device Cpu.",
                        "Device");
                return torch.CUDA;
            default:
                throw new BertNerException(BertNerErrorKind.InvalidArgument,
                    $"Unknown device '{device}'. Expected Auto, Cpu or Cuda.", "Device");
        }
    }
}
