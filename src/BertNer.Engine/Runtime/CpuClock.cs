using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace BertNer.Runtime;

/// <summary>One reading of the machine's CPU clocks: wall time, CPU time all cores spent busy, and this process's share of it.</summary>
public readonly record struct CpuReading(double WallSeconds, double BusySeconds, double OwnSeconds)
{
    /// <summary>Cores' worth of CPU that other processes used between <paramref name="earlier"/> and this reading.</summary>
    public double OtherCoresSince(CpuReading earlier)
    {
        double wall = WallSeconds - earlier.WallSeconds;
        if (wall <= 0) return 0;
        return Math.Max(0, (BusySeconds - earlier.BusySeconds - (OwnSeconds - earlier.OwnSeconds)) / wall);
    }
}

/// <summary>
/// Reads how busy the machine is: /proc/stat on Linux, GetSystemTimes on Windows; null elsewhere (macOS), where
/// <see cref="TorchThreads"/> then keeps one thread per core.
/// </summary>
public static class CpuClock
{
    // /proc/stat counts in USER_HZ, which is 100 on every Linux architecture .NET runs on.
    private const double ClockTicksPerSecond = 100;

    public static CpuReading? Read()
    {
        double? busy = OperatingSystem.IsLinux() ? LinuxBusySeconds() : OperatingSystem.IsWindows() ? WindowsBusySeconds() : null;
        if (busy is null) return null;
        return new CpuReading(Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency, busy.Value, OwnCpuSeconds());
    }

    private static double OwnCpuSeconds()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime.TotalSeconds;
    }

    /// <summary>The "cpu" line of /proc/stat: user nice system idle iowait irq softirq steal …; busy is all but idle and iowait.
    /// Steal counts as busy: time the hypervisor gave to other machines is time this process did not get.</summary>
    internal static double? ParseProcStat(string firstLine)
    {
        var f = firstLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (f.Length < 5 || f[0] != "cpu") return null;
        long busy = 0;
        for (int k = 1; k < Math.Min(f.Length, 9); k++)
        {
            if (!long.TryParse(f[k], NumberStyles.None, CultureInfo.InvariantCulture, out long v)) return null;
            if (k != 4 && k != 5) busy += v; // 4 = idle, 5 = iowait
        }
        return busy / ClockTicksPerSecond;
    }

    private static double? LinuxBusySeconds()
    {
        try
        {
            using var reader = new StreamReader("/proc/stat");
            return reader.ReadLine() is { } line ? ParseProcStat(line) : null;
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    [DllImport("kernel32", SetLastError = true)]
    private static extern bool GetSystemTimes(out long idle, out long kernel, out long user);

    private static double? WindowsBusySeconds()
    {
        try
        {
            // FILETIME units (100 ns); kernel time includes the idle time.
            return GetSystemTimes(out long idle, out long kernel, out long user) ? (kernel + user - idle) / 1e7 : null;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { return null; }
    }
}
