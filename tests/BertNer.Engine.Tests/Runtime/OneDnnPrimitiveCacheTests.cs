using BertNer.Runtime;
using Xunit.Abstractions;

namespace BertNer.Tests.Runtime;

/// <summary>
/// oneDNN keeps a compiled GELU kernel for every activation shape it meets, up to its cache's capacity; training
/// meets a new shape nearly every step. A process that loaded libtorch through the engine keeps only a few, unless
/// the user chose a capacity. Checked in child processes: oneDNN reads the capacity once per process.
/// </summary>
public sealed class OneDnnPrimitiveCacheTests(ITestOutputHelper output)
{
    [Fact]
    public void Without_a_user_value_the_capacity_is_the_engines()
    {
        var set = new Dictionary<string, string>();
        Assert.Equal("4", OneDnnPrimitiveCache.Choose(_ => null, (n, v) => { set[n] = v; return true; }));
        Assert.Equal(new Dictionary<string, string> { ["ONEDNN_PRIMITIVE_CACHE_CAPACITY"] = "4" }, set);
    }

    [Theory]
    [InlineData("ONEDNN_PRIMITIVE_CACHE_CAPACITY")]
    [InlineData("DNNL_PRIMITIVE_CACHE_CAPACITY")]
    public void A_value_the_user_set_under_either_name_wins_and_reaches_native_code(string name)
    {
        var user = new Dictionary<string, string> { [name] = "1024" };
        var set = new Dictionary<string, string>();
        Assert.Equal("1024", OneDnnPrimitiveCache.Choose(n => user.GetValueOrDefault(n), (n, v) => { set[n] = v; return true; }));
        Assert.Equal("1024", set["ONEDNN_PRIMITIVE_CACHE_CAPACITY"]);
    }

    [Fact]
    public void An_empty_variable_is_no_choice() =>
        Assert.Equal("4", OneDnnPrimitiveCache.Choose(n => n == OneDnnPrimitiveCache.Variable ? "" : null, (_, _) => true));

    [Fact]
    public void A_failed_write_reports_nothing_set() =>
        Assert.Null(OneDnnPrimitiveCache.Choose(_ => null, (_, _) => false));

    [SkippableFact]
    public void Gelu_on_200_shapes_keeps_a_few_kernels_not_200_and_a_user_capacity_is_honoured()
    {
        Skip.IfNot(RuntimePlatform.Current.Rid == "linux-x64", "The capacity is set on Linux only (glibc's heap); oneDNN JIT kernels are x64: skipped.");
        var (cache, kept) = GeluKernels();
        var (userCache, userKept) = GeluKernels(("ONEDNN_PRIMITIVE_CACHE_CAPACITY", "1024"));
        output.WriteLine($"engine's capacity {cache}: {kept:N0} bytes kept; user's {userCache}: {userKept:N0} bytes kept");
        Assert.Equal("4", cache);
        Assert.Equal("1024", userCache);
        // About 33 KB a kernel: 200 kernels keep over 6 MB, four well under 1 MB.
        Assert.True(kept < 2_000_000, $"{kept:N0} bytes stayed in use after GELU on 200 shapes with the engine's capacity");
        Assert.True(userKept > 3 * kept && userKept > 4_000_000, $"with the user's capacity of 1024, {userKept:N0} bytes stayed in use (engine's: {kept:N0})");
    }

    private static (string Cache, long Kept) GeluKernels(params (string Name, string? Value)[] env)
    {
        var (exit, lines) = Support.FaultRunnerProcess.Run(Reliability.ChildTraining.RunnerPath, new[] { "--gelu-kernels", "200" },
            new (string, string?)[]
            {
                ("ONEDNN_PRIMITIVE_CACHE_CAPACITY", null), ("DNNL_PRIMITIVE_CACHE_CAPACITY", null),
                ("BERTNER_THREADS", "1"), // one thread throughout: no per-thread buffers appear mid-loop when the load changes
            }.Concat(env), 120);
        var all = string.Join("\n", lines);
        Assert.True(exit == 0, all);
        string Field(string key) => lines.FirstOrDefault(l => l.StartsWith(key + " ", StringComparison.Ordinal))?[(key.Length + 1)..]
            ?? throw new Xunit.Sdk.XunitException($"no {key} line in the child's output:\n{all}");
        return (Field("CACHE"), long.Parse(Field("KEPT"), System.Globalization.CultureInfo.InvariantCulture));
    }
}
