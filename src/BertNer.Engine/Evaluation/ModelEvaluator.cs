using BertNer.Data;
using BertNer.Features;
using BertNer.Inference;
using BertNer.Modeling;

namespace BertNer.Evaluation;

/// <summary>
/// Word-level metrics (prediction of a word = prediction at its first sub-token), sub-token metrics and HF's eval loss.
/// Only the sentence's own positions count: document-context positions carry no label and no word starts there.
/// </summary>
public sealed record ModelEvaluation(NerEvaluation Words, NerEvaluation SubTokens, double Loss, IReadOnlyList<string[]> WordPredictions);

public static class ModelEvaluator
{
    /// <param name="batchSize">Also the grouping of HF's eval loss (mean of per-batch mean losses, weighted by batch size).</param>
    public static ModelEvaluation Evaluate(NerModel model, IReadOnlyList<NerSentence> sentences, int batchSize,
        bool labelAllSubtokens = true, int maxLength = 512, Action<int>? progress = null, CancellationToken ct = default) =>
        Evaluate(new TorchTokenClassifier(model), sentences, batchSize, labelAllSubtokens, maxLength, progress, ct);

    public static ModelEvaluation Evaluate(NerModel model, IReadOnlyList<NerSentence> sentences, IReadOnlyList<EncodedSentence> encoded,
        int batchSize, Action<int>? progress = null, CancellationToken ct = default) =>
        Evaluate(new TorchTokenClassifier(model), sentences, encoded, batchSize, progress, ct);

    /// <param name="batchSize">Also the grouping of HF's eval loss (mean of per-batch mean losses, weighted by batch size).</param>
    public static ModelEvaluation Evaluate(ITokenClassifier model, IReadOnlyList<NerSentence> sentences, int batchSize,
        bool labelAllSubtokens = true, int maxLength = 512, Action<int>? progress = null, CancellationToken ct = default)
    {
        var labels = new LabelMap(model.Labels);
        // A model fine-tuned with document context reads every sentence with its neighbours, as in training.
        var encoder = new SentenceEncoder(model.Tokenizer, labels, labelAllSubtokens, Math.Min(maxLength, model.Config.MaxPositionEmbeddings), model.Config.DocumentContext);
        var encoded = encoder.EncodeAll(sentences);
        return Evaluate(model, sentences, encoded, batchSize, progress, ct);
    }

    public static ModelEvaluation Evaluate(ITokenClassifier model, IReadOnlyList<NerSentence> sentences, IReadOnlyList<EncodedSentence> encoded,
        int batchSize, Action<int>? progress = null, CancellationToken ct = default)
    {
        var scores = model.Score(encoded, batchSize, progress: progress, ct: ct);
        var words = new ConllEvaluator();
        var subTokens = new ConllEvaluator();
        var predictions = new List<string[]>(sentences.Count);
        var names = model.Labels;
        for (int i = 0; i < sentences.Count; i++)
        {
            var e = encoded[i];
            var s = scores[i];
            var pred = e.WordStarts.Select(p => p < 0 ? "O" : names[s.Argmax[p]]).ToArray();
            predictions.Add(pred);
            words.Add(sentences[i].Labels, pred);
            var gold = new List<string>();
            var sub = new List<string>();
            for (int p = 0; p < e.Length; p++)
            {
                if (e.LabelIds[p] == BertForTokenClassification.IgnoreIndex) continue;
                gold.Add(names[(int)e.LabelIds[p]]);
                sub.Add(names[s.Argmax[p]]);
            }
            subTokens.Add(gold, sub);
        }
        // HF Trainer: eval_loss = mean over sequential batches of the batch's mean token loss, weighted by batch size.
        double weighted = 0;
        int n = 0;
        for (int start = 0; start < scores.Length; start += batchSize)
        {
            var chunk = scores.Skip(start).Take(batchSize).ToArray();
            int count = chunk.Sum(c => c.LossCount);
            if (count == 0) continue;
            weighted += chunk.Length * chunk.Sum(c => c.LossSum) / count;
            n += chunk.Length;
        }
        var wordResult = words.Result();
        var loss = n == 0 ? double.NaN : weighted / n;
        wordResult.Loss = loss;
        var subResult = subTokens.Result();
        subResult.Loss = loss;
        return new ModelEvaluation(wordResult, subResult, loss, predictions);
    }
}
