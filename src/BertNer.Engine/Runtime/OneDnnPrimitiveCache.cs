using System.Runtime.InteropServices;

namespace BertNer.Runtime;

/// <summary>
/// Keeps oneDNN's primitive cache small. libtorch computes GELU on the CPU with oneDNN, which JIT-compiles a kernel
/// for every activation shape it meets and keeps up to 1,024 of them. Training batches are unpadded, so almost every
/// step brings a new shape, and the kernels, about 33 KB of heap blocks each that live for hundreds of steps, end up
/// scattered among the steps' activations: glibc's heap cannot merge the free space between them and grew to 560 MiB
/// for 305 MiB in use (issue #22; docs/design.md, "oneDNN's kernel cache"). Four entries hold a step's forward and
/// backward kernels, which the other layers of the step reuse (same shape); compiling two new ones per step costs
/// about 0.4 ms.
/// oneDNN reads the capacity from the native environment once, when it first compiles a kernel, so this runs before
/// libtorch is loaded. A value the user set (in the environment or with <c>$env:</c>, under either of oneDNN's names)
/// wins. Linux only: .NET does not pass its own environment changes to native code there, and the heap this protects
/// is glibc's; elsewhere oneDNN keeps its default.
/// </summary>
public static class OneDnnPrimitiveCache
{
    /// <summary>Kernels kept when the user chose no capacity.</summary>
    public const int Capacity = 4;

    /// <summary>The variable oneDNN reads (it falls back to <see cref="LegacyVariable"/>).</summary>
    public const string Variable = "ONEDNN_PRIMITIVE_CACHE_CAPACITY";
    public const string LegacyVariable = "DNNL_PRIMITIVE_CACHE_CAPACITY";

    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int SetEnv(string name, string value, int overwrite);

    [DllImport("libc", EntryPoint = "getenv")]
    private static extern IntPtr GetEnv(string name);

    /// <summary>Sets the capacity oneDNN will read; returns the value set, or null where nothing was set (not Linux).</summary>
    // setenv is unsafe beside a getenv on another thread; this runs once, before libtorch (the only native reader) loads.
    public static string? Limit() =>
        Choose(Environment.GetEnvironmentVariable, (name, value) => GlibcAllocator.CallGlibc(() => SetEnv(name, value, 1)) == 0);

    /// <summary>The value in the native environment (what oneDNN will read), or null.</summary>
    public static string? NativeValue() =>
        RuntimeInformation.IsOSPlatform(OSPlatform.Linux) ? Marshal.PtrToStringUTF8(GetEnv(Variable)) : null;

    /// <summary>
    /// The user's value (.NET's view of the environment includes both the inherited variables and <c>$env:</c>
    /// assignments, which never reach native code), or <see cref="Capacity"/>; written under oneDNN's own name.
    /// </summary>
    internal static string? Choose(Func<string, string?> managedEnvironment, Func<string, string, bool> setNative)
    {
        // An empty variable is no choice: oneDNN would fall back to its default of 1,024.
        static string? Given(string? v) => string.IsNullOrEmpty(v) ? null : v;
        var value = Given(managedEnvironment(Variable)) ?? Given(managedEnvironment(LegacyVariable)) ?? Capacity.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return setNative(Variable, value) ? value : null;
    }
}
