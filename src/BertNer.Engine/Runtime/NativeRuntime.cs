using System.Runtime.InteropServices;

namespace BertNer.Runtime;

/// <summary>
/// Which file provides a native library that TorchSharp or ONNX Runtime asks for by its DllImport name
/// ("torch_cpu", "LibTorchSharp", "onnxruntime"). The module's load context asks this before the system
/// loader probes (docs/design.md, "The module's own load context").
/// This version knows one place: the folder of TorchSharp.dll and of Microsoft.ML.OnnxRuntime.dll, where a
/// developer build (build.ps1) lays the natives. The runtime installer of issue 18 adds the other places.
/// </summary>
public static class NativeRuntime
{
    /// <summary>The full path of the file for <paramref name="libraryName"/>, or null when it is unknown or not there.</summary>
    public static string? ResolveLibrary(string libraryName)
    {
        // A path, or an empty name, is the caller's own choice: the system loader handles it.
        if (string.IsNullOrWhiteSpace(libraryName) || libraryName.IndexOfAny(['/', '\\']) >= 0) return null;
        foreach (var folder in Folders())
        {
            foreach (var file in PlatformFileNames(libraryName))
            {
                var path = Path.Combine(folder, file);
                if (File.Exists(path)) return path;
            }
        }
        return null;
    }

    /// <summary>The file names the platform's loader would try for a DllImport name, most likely first.</summary>
    internal static IEnumerable<string> PlatformFileNames(string libraryName)
    {
        if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
        {
            yield return libraryName.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) ? libraryName : libraryName + ".dll";
            yield break;
        }
        var suffix = RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? ".dylib" : ".so";
        if (libraryName.EndsWith(suffix, StringComparison.Ordinal) || libraryName.Contains(".so.", StringComparison.Ordinal))
        {
            yield return libraryName;
            yield break;
        }
        yield return "lib" + libraryName + suffix;
        yield return libraryName + suffix;
    }

    private static IEnumerable<string> Folders()
    {
        var torch = Path.GetDirectoryName(typeof(TorchSharp.torch).Assembly.Location);
        var onnx = Path.GetDirectoryName(typeof(Microsoft.ML.OnnxRuntime.InferenceSession).Assembly.Location);
        if (!string.IsNullOrEmpty(torch)) yield return torch;
        if (!string.IsNullOrEmpty(onnx) && !string.Equals(onnx, torch, StringComparison.Ordinal)) yield return onnx;
    }
}
