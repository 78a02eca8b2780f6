using BertNer.Runtime;

namespace BertNer.Tests.Runtime;

/// <summary>How many libtorch threads for how busy the other processes keep the cores.</summary>
public class ThreadCountPolicyTests
{
    [Theory]
    [InlineData(2, 0.0, 2)]   // quiet machine: one thread per core
    [InlineData(2, 0.3, 2)]   // background noise does not cost a thread
    [InlineData(2, 0.6, 1)]   // one competitor at full speed gets most of a core
    [InlineData(2, 1.0, 1)]
    [InlineData(2, 3.0, 1)]   // never below one thread
    [InlineData(8, 2.2, 6)]
    [InlineData(1, 1.0, 1)]
    public void Target_is_the_cores_the_others_leave_free(int cores, double others, int expected) =>
        Assert.Equal(expected, new ThreadCountPolicy(cores).Target(others));

    [Fact]
    public void A_quiet_machine_never_changes_the_count()
    {
        var policy = new ThreadCountPolicy(2);
        foreach (var others in new[] { 0.0, 0.02, 0.4, 0.1, 0.49, 0.0 })
            Assert.Null(policy.Next(2, others));
    }

    [Fact]
    public void A_change_needs_three_readings_in_a_row()
    {
        var policy = new ThreadCountPolicy(2);
        Assert.Null(policy.Next(2, 1.0));      // two busy seconds: not yet
        Assert.Null(policy.Next(2, 0.6));
        Assert.Null(policy.Next(2, 0.0));      // it passed
        Assert.Null(policy.Next(2, 1.0));
        Assert.Null(policy.Next(2, 0.9));
        Assert.Equal(1, policy.Next(2, 0.7));  // still busy: down to one thread
        Assert.Null(policy.Next(1, 1.0));      // the competitor keeps its core: stay
        Assert.Null(policy.Next(1, 0.0));
        Assert.Null(policy.Next(1, 0.1));
        Assert.Equal(2, policy.Next(1, 0.1));  // it stopped: back to both cores
    }

    [Fact]
    public void Others_are_the_busy_time_this_process_did_not_use()
    {
        var a = new CpuReading(WallSeconds: 10, BusySeconds: 100, OwnSeconds: 50);
        Assert.Equal(1.0, new CpuReading(12, 106, 54).OtherCoresSince(a), 6); // 6 s busy in 2 s, 4 of them ours
        Assert.Equal(0.0, new CpuReading(12, 103, 54).OtherCoresSince(a), 6); // clocks read at slightly different moments: never negative
    }

    [Theory]
    [InlineData("cpu  100 5 50 1000 20 3 2 10 0 0", 1.70)] // user nice system [idle iowait] irq softirq steal
    [InlineData("cpu 1 2 3 4", 0.06)]    // a kernel without iowait and later fields
    [InlineData("cpu 1 2 3", null)]
    [InlineData("cpu0 100 5 50 1000 20 3 2 10 0 0", null)]
    [InlineData("cpu  100 x 50 1000 20 3 2 10", null)]
    public void Proc_stat_busy_time(string line, double? seconds)
    {
        var busy = CpuClock.ParseProcStat(line);
        if (seconds is null) Assert.Null(busy); else Assert.Equal(seconds.Value, busy!.Value, 6);
    }

    [Theory]
    [InlineData("2", 2)]
    [InlineData("1", 1)]
    [InlineData("0", null)]
    [InlineData("-1", null)]
    [InlineData("two", null)]
    [InlineData(null, null)]
    public void BERTNER_THREADS_fixes_a_positive_count(string? value, int? expected) =>
        Assert.Equal(expected, TorchThreads.ParseFixed(value));

    [SkippableFact]
    public void A_busy_process_shows_as_other_cores()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "reads /proc/stat");
        Skip.If(Environment.ProcessorCount < 2, "needs a second core for the competitor");
        var before = CpuClock.Read()!.Value;
        using var spinner = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("/bin/sh", ["-c", "while :; do :; done"]))!;
        try
        {
            Thread.Sleep(1500);
            var during = CpuClock.Read()!.Value;
            Assert.True(during.OtherCoresSince(before) > 0.5, $"a shell loop should show as most of a core: {during.OtherCoresSince(before):F2}");
        }
        finally { spinner.Kill(); spinner.WaitForExit(); }
    }

    [SkippableFact]
    public void A_changed_count_reaches_every_thread_that_runs_steps()
    {
        // OpenMP keeps the count per calling thread; a PowerShell command's worker thread must not keep an old one.
        TorchRuntime.EnsureLoaded();
        int cores = TorchThreads.Current;
        Skip.If(cores < 2, "needs two cores to lower the count");
        try
        {
            TorchThreads.Adapt();
            Assert.Equal(cores, TorchSharp.torch.get_num_threads());
            TorchThreads.SetCurrentForTests(1);
            var other = new Thread(() => TorchThreads.Adapt());
            other.Start(); other.Join();
            TorchThreads.Adapt(); // this thread had applied the old count
            Assert.Equal(1, TorchSharp.torch.get_num_threads());
        }
        finally
        {
            TorchThreads.SetCurrentForTests(cores);
            TorchThreads.Adapt();
        }
        Assert.Equal(cores, TorchSharp.torch.get_num_threads());
    }
}
