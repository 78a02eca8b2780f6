using BertNer.Features;
using BertNer.Modeling;
using BertNer.Tokenization;

namespace BertNer.Inference;

/// <summary>Options of <see cref="EntityRecognizer"/>.</summary>
public sealed record RecognizerOptions
{
    public AggregationStrategy Aggregation { get; init; } = AggregationStrategy.First;
    public int BatchSize { get; init; } = 32;
    public double MinimumScore { get; init; }
    /// <summary>Sub-tokens shared by neighbouring windows of a long text (default: a quarter of a window).</summary>
    public int? Stride { get; init; }
    /// <summary>Window size in sub-tokens without [CLS]/[SEP] (default: the model's maximum positions − 2).</summary>
    public int? WindowTokens { get; init; }
}

/// <summary>
/// Raw text → entities with exact character offsets. Texts longer than the model's window are cut
/// into overlapping windows; each sub-token takes its prediction from the window where it sits
/// farthest from an edge, and entities are built once over the merged text, so none is cut or
/// duplicated at a border. A model fine-tuned with document context gets windows that overlap enough to give
/// every sub-token that context (<see cref="SharedForContext"/>): the text's own neighbours are its context.
/// </summary>
public sealed class EntityRecognizer(ITokenClassifier model, RecognizerOptions? options = null)
{
    private readonly RecognizerOptions _o = options ?? new RecognizerOptions();

    /// <summary>Tags with a libtorch model.</summary>
    public EntityRecognizer(NerModel model, RecognizerOptions? options = null) : this(new TorchTokenClassifier(model), options) { }

    /// <summary>Sub-tokens per window: the option, or the most the model's positions take ([CLS] and [SEP] aside).</summary>
    public int WindowTokens => _o.WindowTokens ?? Longest;

    private int Longest => Math.Min(model.Config.MaxPositionEmbeddings, model.Tokenizer.Settings.ModelMaxLength) - 2;

    /// <param name="progress">Called with (windows done, windows in all): once when the texts are cut, then after
    /// every batch. One long text is many windows, so a caller can follow (and cancel) it part way.</param>
    /// <param name="ct">Checked between texts while cutting, between batches of windows and between texts while
    /// building entities: cancelling stops a long text part way (OperationCanceledException).</param>
    public List<NerEntity> Recognize(IReadOnlyList<string?> texts, int firstInputIndex = 0, CancellationToken ct = default,
        Action<int, int>? progress = null)
    {
        if (model.Labels.Count == 0)
            throw new BertNerException(BertNerErrorKind.InvalidArgument,
                $"Model '{model.Name}' has no labels: it is a pretrained encoder. Fine-tune it with Start-BertNerTraining first.", "Model");
        int longest = Longest;
        // A window past the model's positions would index beyond its position embeddings.
        if (_o.WindowTokens is < 1 || _o.WindowTokens > longest)
            throw new BertNerException(BertNerErrorKind.InvalidArgument,
                $"WindowTokens is {_o.WindowTokens}; model '{model.Name}' takes 1 to {longest} sub-tokens per window (its {model.Config.MaxPositionEmbeddings} positions less [CLS] and [SEP]). Leave it unset to use the longest.",
                "WindowTokens");
        if (_o.Stride is < 0)
            throw new BertNerException(BertNerErrorKind.InvalidArgument, $"Stride is {_o.Stride}; it counts sub-tokens shared by neighbouring windows, 0 or more.", "Stride");
        int window = _o.WindowTokens ?? longest;
        int shared = SharedForContext(window);
        if (_o.Stride < shared)
            throw new BertNerException(BertNerErrorKind.InvalidArgument,
                $"Stride is {_o.Stride}; model '{model.Name}' was fine-tuned with {model.Config.DocumentContext} sub-tokens of document context on each side, so neighbouring windows must share at least {shared} sub-tokens for every sub-token to be read with its context. Use {shared} or more, or leave it unset.",
                "Stride");
        int stride = Math.Clamp(_o.Stride ?? Math.Max(window / 4, shared), 0, window - 1);
        var tokenized = new List<List<SubToken>>(texts.Count);
        foreach (var t in texts)
        {
            ct.ThrowIfCancellationRequested();
            tokenized.Add(model.Tokenizer.TokenizeText(t ?? ""));
        }

        // Cut every text into windows and run them all as one set of batches.
        var windows = new List<(int Text, int Start, EncodedSentence Encoded)>();
        for (int t = 0; t < tokenized.Count; t++)
        {
            var subs = tokenized[t];
            if (subs.Count == 0) continue;
            for (int start = 0; ; start += window - stride)
            {
                int end = Math.Min(subs.Count, start + window);
                windows.Add((t, start, Encode(subs, start, end, windows.Count)));
                if (end == subs.Count) break;
            }
        }
        progress?.Invoke(0, windows.Count);
        var scores = model.Score(windows.Select(w => w.Encoded).ToList(), _o.BatchSize, withProbabilities: true,
            progress: progress is null ? null : done => progress(done, windows.Count), ct: ct);

        var entities = new List<NerEntity>();
        var byText = windows.Select((w, i) => (w, i)).GroupBy(x => x.w.Text);
        foreach (var g in byText)
        {
            ct.ThrowIfCancellationRequested();
            var subs = tokenized[g.Key];
            var probs = new float[subs.Count][];
            var margin = new int[subs.Count];
            Array.Fill(margin, -1);
            foreach (var (w, i) in g)
            {
                int len = w.Encoded.Length - 2;
                for (int k = 0; k < len; k++)
                {
                    int m = Math.Min(k, len - 1 - k);
                    if (m > margin[w.Start + k]) { margin[w.Start + k] = m; probs[w.Start + k] = scores[i].Probabilities![k + 1]; }
                }
            }
            var text = texts[g.Key]!;
            foreach (var e in Aggregate(subs, probs, text))
                if (e.Score >= _o.MinimumScore)
                    entities.Add(new NerEntity { Type = e.Type, Start = e.Start, End = e.End, Text = text[e.Start..e.End], Score = e.Score, InputIndex = firstInputIndex + g.Key, Input = text });
        }
        return entities;
    }

    /// <summary>
    /// Sub-tokens neighbouring windows must share so that a model fine-tuned with document context C reads every
    /// sub-token with C sub-tokens on each side where the text has them: with windows sharing 2C+1, every stretch of
    /// 2C+1 sub-tokens lies whole in one window, and the window a sub-token takes its prediction from (the one where
    /// it sits farthest from an edge) then has at least C on both sides. C is capped at what a window can hold.
    /// 0 for a model without document context (the default stride stays a quarter of a window).
    /// </summary>
    public int SharedForContext(int window)
    {
        int context = Math.Min(model.Config.DocumentContext, (window - 2) / 2);
        return context > 0 ? 2 * context + 1 : 0;
    }

    private EncodedSentence Encode(List<SubToken> subs, int start, int end, int index)
    {
        var ids = new long[end - start + 2];
        ids[0] = model.Tokenizer.ClsId;
        ids[^1] = model.Tokenizer.SepId;
        for (int k = start; k < end; k++) ids[k - start + 1] = subs[k].Id;
        var labels = new long[ids.Length];
        Array.Fill(labels, BertForTokenClassification.IgnoreIndex);
        return new EncodedSentence { InputIds = ids, LabelIds = labels, WordStarts = Array.Empty<int>(), Index = index };
    }

    private readonly record struct Piece(string Label, double Score, int Start, int End);
    private readonly record struct Found(string Type, double Score, int Start, int End);

    private IEnumerable<Found> Aggregate(List<SubToken> subs, float[][] probs, string text)
    {
        var labels = model.Labels;
        (string Label, double Score) Best(float[] p)
        {
            int arg = 0;
            for (int j = 1; j < p.Length; j++) if (p[j] > p[arg]) arg = j;
            return (labels[arg], p[arg]);
        }

        var pieces = new List<Piece>();
        if (_o.Aggregation is AggregationStrategy.None or AggregationStrategy.Simple)
        {
            for (int i = 0; i < subs.Count; i++)
            {
                var (l, s) = Best(probs[i]);
                pieces.Add(new Piece(l, s, subs[i].Start, subs[i].End));
            }
            if (_o.Aggregation == AggregationStrategy.None)
                return pieces.Where(p => p.Label != "O").Select(p => new Found(p.Label, p.Score, p.Start, p.End));
        }
        else
        {
            // Words are the whitespace-separated chunks of the text, as CoNLL tokens are words: a word takes
            // its label from its sub-tokens (first / average / max) exactly as Measure-BertNerModel scores
            // it, so both agree. (HF's pipeline also cuts words at punctuation.)
            var chunk = WhitespaceChunks(subs, text);
            int i = 0;
            while (i < subs.Count)
            {
                int j = i + 1;
                while (j < subs.Count && chunk[j] == chunk[i]) j++;
                // Punctuation at the word's edges that the model itself tags O is not part of the word
                // ("(Paris." reads as "Paris", while "U.S." tagged throughout stays whole).
                int a = i, b = j - 1;
                while (a < b && IsPunctuation(subs[a], text) && Best(probs[a]).Label == "O") a++;
                while (b > a && IsPunctuation(subs[b], text) && Best(probs[b]).Label == "O") b--;
                var wordProbs = probs[a..(b + 1)];
                (string, double) choice = _o.Aggregation switch
                {
                    AggregationStrategy.First => Best(wordProbs[0]),
                    AggregationStrategy.Max => wordProbs.Select(Best).MaxBy(x => x.Score),
                    _ => Best(Enumerable.Range(0, labels.Count).Select(c => (float)wordProbs.Average(p => p[c])).ToArray()),
                };
                pieces.Add(new Piece(choice.Item1, choice.Item2, subs[a].Start, subs[b].End));
                i = j;
            }
        }
        return Group(pieces);
    }

    /// <summary>Per sub-token: the index of the whitespace-separated chunk of the text it lies in.</summary>
    private static int[] WhitespaceChunks(List<SubToken> subs, string text)
    {
        var chunk = new int[subs.Count];
        for (int k = 1; k < subs.Count; k++)
        {
            bool gap = false;
            for (int c = subs[k - 1].End; c < subs[k].Start && !gap; c++)
                gap = char.IsWhiteSpace(text[c]) || System.Globalization.CharUnicodeInfo.GetUnicodeCategory(text[c]) == System.Globalization.UnicodeCategory.SpaceSeparator;
            chunk[k] = chunk[k - 1] + (gap ? 1 : 0);
        }
        return chunk;
    }

    private static bool IsPunctuation(SubToken t, string text)
    {
        for (int c = t.Start; c < t.End; c++)
            if (!BasicTokenizer.IsPunctuation(text[c])) return false;
        return true;
    }

    // HF's group_entities: a piece continues the group when its tag equals the group's and it is not B-.
    private static IEnumerable<Found> Group(List<Piece> pieces)
    {
        static (char Bi, string Tag) Split(string label) =>
            label.StartsWith("B-", StringComparison.Ordinal) ? ('B', label[2..])
            : label.StartsWith("I-", StringComparison.Ordinal) ? ('I', label[2..])
            : ('I', label);

        var group = new List<Piece>();
        Found Close() => new(Split(group[0].Label).Tag, group.Average(p => p.Score), group[0].Start, group[^1].End);
        var result = new List<Found>();
        foreach (var p in pieces)
        {
            if (group.Count > 0)
            {
                var (bi, tag) = Split(p.Label);
                var (_, lastTag) = Split(group[^1].Label);
                if (tag == lastTag && bi != 'B') { group.Add(p); continue; }
                result.Add(Close());
                group.Clear();
            }
            group.Add(p);
        }
        if (group.Count > 0) result.Add(Close());
        return result.Where(f => f.Type != "O");
    }
}
