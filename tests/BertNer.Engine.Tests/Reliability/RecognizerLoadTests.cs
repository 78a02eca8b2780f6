using System.Diagnostics;
using BertNer.Inference;
using BertNer.Tests.Support;
using TorchSharp;
using Xunit.Abstractions;

namespace BertNer.Tests.Reliability;

/// <summary>
/// A stream of sentences through the entity recognizer, in the windows Get-NerEntities uses (8 batches of 32), with
/// the tiny model: resident memory, the managed heap and live tensors stay flat from the first tenth to the last.
/// 30,000 sentences by default (seconds on an idle machine, a minute for 100,000 on a busy one, where libtorch's
/// threads spin waiting for a core); BERTNER_LOAD_SENTENCES=100000 gives the figures in docs/reliability.md.
/// </summary>
public class RecognizerLoadTests(ITestOutputHelper output)
{
    private static readonly string[] People = { "John Smith", "Angela Merkel", "Zoe", "zoe smith" };
    private static readonly string[] Places = { "Paris", "London", "Berlin" };

    [Fact]
    public void A_long_stream_of_sentences_goes_through_with_flat_memory()
    {
        const int window = 256;
        int total = int.TryParse(Environment.GetEnvironmentVariable("BERTNER_LOAD_SENTENCES"), out var n) && n >= 10 * window ? n : 30_000;
        int warmUp = total / 10;
        using var dir = new TempDir();
        using var model = TinyModel.Create(dir["tiny"], seed: 3);
        var recognizer = new EntityRecognizer(model, new RecognizerOptions { BatchSize = 32 });
        var rng = new Random(11);
        var clock = Stopwatch.StartNew();
        long entities = 0;
        (long Rss, long Managed, long Tensors) atWarmUp = default;
        var pending = new List<string?>(window);
        for (int i = 0; i < total; i++)
        {
            pending.Add($"{People[rng.Next(People.Length)]} met {People[rng.Next(People.Length)]} in {Places[rng.Next(Places.Length)]} on day {i} .");
            if (pending.Count < window) continue;
            entities += recognizer.Recognize(pending, i - window + 1).Count;
            pending.Clear();
            if (i + 1 >= warmUp && atWarmUp == default) atWarmUp = Measure();
        }
        entities += recognizer.Recognize(pending, total - pending.Count).Count;
        var atEnd = Measure();
        double mb(long b) => b / 1048576.0;
        output.WriteLine($"LOAD {total:N0} sentences, {entities:N0} entities in {clock.Elapsed.TotalSeconds:F1} s ({total / clock.Elapsed.TotalSeconds:F0} sentences/s); " +
            $"RSS {mb(atWarmUp.Rss):F1} MB after {warmUp:N0} → {mb(atEnd.Rss):F1} MB after {total:N0}; managed heap {mb(atWarmUp.Managed):F1} → {mb(atEnd.Managed):F1} MB; " +
            $"live tensors {atWarmUp.Tensors} → {atEnd.Tensors}");
        Assert.True(entities > total, $"only {entities} entities");
        Assert.InRange(atEnd.Tensors - atWarmUp.Tensors, -2, 2);
        Assert.True(atEnd.Rss - atWarmUp.Rss < 48 << 20, $"RSS grew by {mb(atEnd.Rss - atWarmUp.Rss):F1} MB");
        Assert.True(atEnd.Managed - atWarmUp.Managed < 16 << 20, $"the managed heap grew by {mb(atEnd.Managed - atWarmUp.Managed):F1} MB");
    }

    private static (long Rss, long Managed, long Tensors) Measure()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var self = Process.GetCurrentProcess();
        return (self.WorkingSet64, GC.GetTotalMemory(forceFullCollection: true), DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
