using BertNer.Features;
using BertNer.Inference;
using BertNer.Modeling;
using BertNer.Tokenization;
using Microsoft.ML.OnnxRuntime;

namespace BertNer.Onnx;

/// <summary>
/// An exported folder (model.onnx, config.json, tokenizer files) run by ONNX Runtime: the same
/// <see cref="TokenScores"/> as <see cref="TokenClassifierRunner"/> gives for the TorchSharp model, with no
/// libtorch in the process. One session serves every caller: ONNX Runtime's Run is thread-safe, so
/// runspaces of one process (ForEach-Object -Parallel) share it.
/// </summary>
public sealed class OnnxTokenClassifier : ITokenClassifier, IDisposable
{
    private readonly InferenceSession _session;
    private static readonly string[] OutputNames = { "logits" };

    public string Name { get; }
    public string SourcePath { get; }
    public BertConfig Config { get; }
    public BertNerTokenizer Tokenizer { get; }
    public IReadOnlyList<string> Labels => Config.Labels;
    public InferenceBackend Backend => InferenceBackend.Onnx;
    public string DeviceName => "cpu";

    private OnnxTokenClassifier(string folder, BertConfig config, BertNerTokenizer tokenizer, InferenceSession session)
    {
        SourcePath = folder; Name = Path.GetFileName(folder.TrimEnd(Path.DirectorySeparatorChar)); Config = config; Tokenizer = tokenizer; _session = session;
    }

    /// <summary>Whether <paramref name="folder"/> holds an ONNX export.</summary>
    public static bool IsExport(string folder) => File.Exists(Path.Combine(folder, OnnxExporter.ModelFile));

    /// <param name="threads">Intra-op threads; null = one per core, as libtorch uses.</param>
    public static OnnxTokenClassifier Load(string folder, int? threads = null)
    {
        var full = Path.GetFullPath(folder);
        var modelPath = Path.Combine(full, OnnxExporter.ModelFile);
        if (!File.Exists(modelPath))
            throw new BertNerException(BertNerErrorKind.ObjectNotFound,
                $"'{full}' has no {OnnxExporter.ModelFile}. Give a folder written by Export-BertNerModel.", full);
        var config = BertConfig.Load(Path.Combine(full, "config.json"));
        if (config.Labels.Count == 0)
            throw new BertNerException(BertNerErrorKind.InvalidData,
                $"'{Path.Combine(full, "config.json")}' has no id2label: the ONNX model's labels are unknown. Export the model again with Export-BertNerModel.", full);
        var tokenizer = BertNerTokenizer.FromFolder(full);
        // ONNX Runtime's natives are found (or installed) and loaded by full path before its first call.
        Runtime.NativeRuntime.Ensure(Runtime.RuntimeKind.Onnx);
        var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, IntraOpNumThreads = threads ?? Environment.ProcessorCount };
        InferenceSession session;
        try
        {
            session = new InferenceSession(modelPath, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new BertNerException(BertNerErrorKind.InvalidData,
                $"ONNX Runtime cannot load '{modelPath}' ({e.Message}). Export the model again with Export-BertNerModel.", modelPath, e);
        }
        finally
        {
            options.Dispose();
        }
        var inputs = session.InputMetadata;
        foreach (var name in new[] { "input_ids", "attention_mask", "token_type_ids" })
            if (!inputs.TryGetValue(name, out var input) || input.ElementType != typeof(long))
            {
                session.Dispose();
                throw new BertNerException(BertNerErrorKind.InvalidData,
                    $"'{modelPath}' does not take the int64 input '{name}' a BertNer export has; it was made by another tool. Export the model with Export-BertNerModel.", modelPath);
            }
        var outputs = session.OutputMetadata;
        if (!outputs.TryGetValue("logits", out var logits) || logits.Dimensions.Length != 3 || (logits.Dimensions[2] > 0 && logits.Dimensions[2] != config.Labels.Count))
        {
            session.Dispose();
            throw new BertNerException(BertNerErrorKind.InvalidData,
                $"'{modelPath}' does not output logits [batch, sequence, {config.Labels.Count}] for the {config.Labels.Count} labels of its config.json. Export the model again with Export-BertNerModel.", modelPath);
        }
        return new OnnxTokenClassifier(full, config, tokenizer, session);
    }

    /// <summary>Scores encoded sentences in batches of similar length (sorted longest first), results in input order.</summary>
    public TokenScores[] Score(IReadOnlyList<EncodedSentence> items, int batchSize, bool withProbabilities = false,
        Action<int>? progress = null, CancellationToken ct = default)
    {
        var results = new TokenScores[items.Count];
        var order = Enumerable.Range(0, items.Count).OrderByDescending(i => items[i].Length).ToArray();
        int labels = Config.Labels.Count, done = 0;
        using var runOptions = new RunOptions();
        foreach (var chunk in order.Chunk(Math.Max(1, batchSize)))
        {
            ct.ThrowIfCancellationRequested();
            int b = chunk.Length, t = chunk.Max(i => items[i].Length);
            var ids = new long[b * t];
            var mask = new long[b * t];
            var types = new long[b * t];
            Array.Fill(ids, Tokenizer.PadId);
            for (int k = 0; k < b; k++)
            {
                var s = items[chunk[k]];
                Array.Copy(s.InputIds, 0, ids, k * t, s.Length);
                Array.Fill(mask, 1L, k * t, s.Length);
            }
            long[] shape = { b, t };
            using var idsValue = OrtValue.CreateTensorValueFromMemory(ids, shape);
            using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, shape);
            using var typesValue = OrtValue.CreateTensorValueFromMemory(types, shape);
            IDisposableReadOnlyCollection<OrtValue> outputs;
            try
            {
                outputs = _session.Run(runOptions, new[] { "input_ids", "attention_mask", "token_type_ids" },
                    new[] { idsValue, maskValue, typesValue }, OutputNames);
            }
            catch (OnnxRuntimeException e)
            {
                throw new BertNerException(BertNerErrorKind.InvalidData,
                    $"ONNX Runtime could not run '{Path.Combine(SourcePath, OnnxExporter.ModelFile)}' on a batch of {b} × {t} sub-tokens ({e.Message}). Export the model again with Export-BertNerModel.", SourcePath, e);
            }
            using var _ = outputs;
            var logits = outputs[0].GetTensorDataAsSpan<float>();
            for (int k = 0; k < b; k++)
                results[chunk[k]] = Score(items[chunk[k]], logits.Slice(k * t * labels, t * labels), labels, withProbabilities);
            done += b;
            progress?.Invoke(done);
        }
        return results;
    }

    // Argmax, softmax and the cross-entropy over labelled positions, from one sentence's logits [t, labels].
    private static TokenScores Score(EncodedSentence s, ReadOnlySpan<float> logits, int labels, bool withProbabilities)
    {
        int len = s.Length;
        var argmax = new int[len];
        var probabilities = withProbabilities ? new float[len][] : null;
        double lossSum = 0;
        int lossCount = 0;
        for (int pos = 0; pos < len; pos++)
        {
            var row = logits.Slice(pos * labels, labels);
            int best = 0;
            float max = row[0];
            for (int l = 1; l < labels; l++) if (row[l] > max) { max = row[l]; best = l; }
            argmax[pos] = best;
            double sum = 0;
            for (int l = 0; l < labels; l++) sum += Math.Exp(row[l] - max);
            if (probabilities != null)
            {
                var p = probabilities[pos] = new float[labels];
                for (int l = 0; l < labels; l++) p[l] = (float)(Math.Exp(row[l] - max) / sum);
            }
            long gold = s.LabelIds[pos];
            if (gold != BertForTokenClassification.IgnoreIndex)
            {
                lossSum += max + Math.Log(sum) - row[(int)gold];
                lossCount++;
            }
        }
        return new TokenScores { Argmax = argmax, Probabilities = probabilities, LossSum = lossSum, LossCount = lossCount };
    }

    public void Dispose() => _session.Dispose();
}
