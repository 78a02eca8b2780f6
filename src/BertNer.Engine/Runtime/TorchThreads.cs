using System.Diagnostics;
using System.Globalization;
using TorchSharp;

namespace BertNer.Runtime;

/// <summary>
/// libtorch's intra-op thread count: one per core on a quiet machine, fewer while other processes keep cores busy
/// (<see cref="ThreadCountPolicy"/>). Training and inference call <see cref="Adapt"/> between steps and batches;
/// it reads the CPU clocks at most once a second. BERTNER_THREADS=n fixes the count instead.
/// The count changes the order of some floating-point sums, so a run that adapted can differ from a quiet run
/// in the last digits; BERTNER_THREADS makes a run repeat bit for bit on a busy machine.
/// </summary>
public static class TorchThreads
{
    private const double SecondsBetweenReadings = 1.0;
    private static readonly object Gate = new();
    private static ThreadCountPolicy? _policy;
    private static CpuReading? _last;
    private static long _nextReading;

    /// <summary>The thread count libtorch runs now (and <see cref="SleepingParallel"/> follows).</summary>
    public static int Current { get; private set; } = Environment.ProcessorCount;

    /// <summary>The count BERTNER_THREADS fixes, or null to adapt.</summary>
    public static int? Fixed { get; } = ParseFixed(Environment.GetEnvironmentVariable("BERTNER_THREADS"));

    internal static int? ParseFixed(string? value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0 ? n : null;

    /// <summary>Sets the starting count (TorchRuntime, once libtorch is loaded).</summary>
    internal static void Start()
    {
        lock (Gate)
        {
            Current = Fixed ?? Environment.ProcessorCount;
            torch.set_num_threads(Current);
            _appliedHere = Current;
            _policy = Fixed is null ? new ThreadCountPolicy(Environment.ProcessorCount) : null;
        }
    }

    /// <summary>Reads the machine's load (at most once a second) and changes libtorch's thread count when other
    /// processes took or gave back cores; applies the count to the calling thread. Returns a line for the log
    /// when it changed the count, else null.</summary>
    public static string? Adapt()
    {
        string? note = _policy is not null && Stopwatch.GetTimestamp() >= Volatile.Read(ref _nextReading) ? Read() : null;
        // OpenMP's thread count (and MKL's, as libtorch sets it) belongs to the calling thread: a count changed on
        // one PowerShell worker thread does not reach the next command's, so each thread that runs steps or
        // batches applies the current count itself.
        int current = Current;
        if (_appliedHere != current) { torch.set_num_threads(current); _appliedHere = current; }
        return note;
    }

    [ThreadStatic] private static int _appliedHere;

    /// <summary>Tests only: stands in for a reading that changed the count.</summary>
    internal static void SetCurrentForTests(int count) { lock (Gate) Current = count; }

    private static string? Read()
    {
        lock (Gate)
        {
            long now = Stopwatch.GetTimestamp();
            if (_policy is null || now < _nextReading) return null;
            _nextReading = now + (long)(SecondsBetweenReadings * Stopwatch.Frequency);
            var reading = CpuClock.Read();
            if (reading is null) { _policy = null; return null; } // no way to tell here: keep one thread per core
            var previous = _last;
            _last = reading;
            if (previous is null) return null;
            double others = reading.Value.OtherCoresSince(previous.Value);
            if (_policy.Next(Current, others) is not { } next) return null;
            Current = next;
            return next < _policy.Cores
                ? $"Other processes are using {others:F1} of {_policy.Cores} cores: libtorch continues on {next} thread(s) (BERTNER_THREADS=n fixes the count)."
                : $"The cores are free again ({others:F1} of {_policy.Cores} busy with other work): libtorch continues on {next} threads.";
        }
    }
}
