using System.Runtime.ExceptionServices;
using System.Text;
using BertNer.Checkpoints;
using BertNer.Inference;
using BertNer.Modeling;
using BertNer.Tests.Support;
using BertNer.Training;
using Xunit.Abstractions;

namespace BertNer.Tests.Reliability;

/// <summary>
/// TorchSharp frees a tensor's native memory in its wrapper's finalizer, so engine code that leaves a wrapper
/// unreferenced while libtorch still uses it (<c>t.isfinite().all()</c> outside a dispose scope) crashes the
/// process whenever a garbage collection on another thread lands in that moment. A PowerShell host has such
/// threads. Here the engine's entry points run on a thread with no tensor scope of the caller's (as the cmdlets
/// call them) while another thread collects garbage without pause: nothing may crash, and every figure must
/// equal the same work done in quiet.
/// </summary>
public class GcPressureTests(ITestOutputHelper output)
{
    [Fact]
    public void Training_loading_and_tagging_give_the_same_results_while_another_thread_collects_garbage()
    {
        using var dir = new TempDir();
        using (var m = TinyModel.Create(dir["src"])) m.Save(dir["tiny"]);
        var quiet = OnThreadWithoutScope(() => Work(dir, "quiet"));

        int stop = 0, collections = 0;
        var collector = new Thread(() =>
        {
            while (Volatile.Read(ref stop) == 0) { GC.Collect(); GC.WaitForPendingFinalizers(); collections++; }
        }) { IsBackground = true };
        collector.Start();
        string underPressure;
        try { underPressure = OnThreadWithoutScope(() => Work(dir, "pressure")); }
        finally { Volatile.Write(ref stop, 1); collector.Join(); }

        output.WriteLine($"{collections} full collections during the run under pressure");
        Assert.True(collections > 50, $"only {collections} collections: the test did not put the engine under pressure");
        Assert.Equal(quiet, underPressure);
    }

    // A thread of its own has none of the test's tensor scope (TensorScopePerTestAttribute), like a pipeline thread.
    private static T OnThreadWithoutScope<T>(Func<T> work)
    {
        T result = default!;
        ExceptionDispatchInfo? error = null;
        var thread = new Thread(() =>
        {
            try { result = work(); }
            catch (Exception e) { error = ExceptionDispatchInfo.Capture(e); }
        });
        thread.Start();
        thread.Join();
        error?.Throw();
        return result;
    }

    // Train (with dropout, so the recomputed attention's backward runs), reload the best model, read its weights, tag text.
    private static string Work(TempDir dir, string name)
    {
        var log = new StringBuilder();
        var run = new Trainer(new TrainingOptions
        {
            Model = dir["tiny"], OutputPath = dir[name], Epochs = 2, LearningRate = 5e-3, BatchSize = 8, EvalBatchSize = 16,
            Device = "Cpu", Seed = 3, LoggingSteps = 1,
        }).Run(ToyData.Sentences(48), ToyData.Sentences(16, seed: 9), resume: false);
        foreach (var e in run.Epochs) log.AppendLine($"epoch {e.Epoch}: loss {e.TrainingLoss:R}, validation {e.ValidationLoss:R}, F1 {e.F1:R}");
        for (int i = 0; i < 40; i++)
        {
            using var model = NerModel.Load(run.BestModelPath, device: "Cpu");
            var weights = StateDictFile.Read(StateDictFile.Locate(run.BestModelPath));
            log.AppendLine($"{weights.Count} tensors, {weights.Values.Sum(t => t.numel())} values");
            foreach (var t in weights.Values) t.Dispose();
            var entities = new EntityRecognizer(model).Recognize(new[] { "John Smith visited Paris.", "Zoe met Angela in London." });
            log.AppendLine(string.Join("; ", entities.Select(e => $"{e.Type} '{e.Text}' {e.Start}-{e.End} {e.Score:R}")));
        }
        return log.ToString();
    }
}
