namespace BertNer.Runtime;

/// <summary>
/// How many threads libtorch should run given what other processes use: the cores they leave free, at least one.
/// On a busy machine a libtorch thread that waits at every parallel region's barrier for a partner the scheduler
/// has parked wastes its core's share, so two threads on two cores with one core taken ran at a quarter of the
/// quiet speed, while one thread keeps about half (docs/design.md, "OpenMP and thread settings").
/// A change needs the same answer from three readings in a row, so a short burst of other work (two busy
/// seconds were seen during a quiet run) does not switch back and forth.
/// </summary>
public sealed class ThreadCountPolicy(int cores)
{
    public const int ReadingsToChange = 3;
    private int? _pending;
    private int _agreeing;

    public int Cores { get; } = Math.Max(1, cores);

    /// <summary>The thread count for the cores <paramref name="otherCores"/> that other processes used since the last reading.</summary>
    public int Target(double otherCores) => Math.Clamp(Cores - (int)Math.Floor(otherCores + 0.5), 1, Cores);

    /// <summary>The count to switch to after this reading, or null to keep <paramref name="current"/>.</summary>
    public int? Next(int current, double otherCores)
    {
        int target = Target(otherCores);
        if (target == current) { _pending = null; return null; }
        _agreeing = _pending == target ? _agreeing + 1 : 1;
        _pending = target;
        if (_agreeing < ReadingsToChange) return null;
        _pending = null;
        return target;
    }
}
