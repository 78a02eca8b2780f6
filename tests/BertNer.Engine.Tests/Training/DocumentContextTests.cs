using System.Text.Json.Nodes;
using BertNer.Data;
using BertNer.Evaluation;
using BertNer.Features;
using BertNer.Inference;
using BertNer.Modeling;
using BertNer.Onnx;
using BertNer.Tests.Support;
using BertNer.Tokenization;
using BertNer.Training;

namespace BertNer.Tests.Training;

/// <summary>
/// Document context (issue 20): which sub-tokens reach the model, that only the sentence's own positions carry labels
/// and count in metrics, that 0 encodes exactly as before, and that the setting travels with the model.
/// </summary>
public class DocumentContextTests
{
    private const long Cls = 2, Sep = 3, Ign = BertForTokenClassification.IgnoreIndex;

    // Tiny-vocabulary ids: a 20, b 21, c 22, john 15, visited 18, paris 10, zoe 25, met 9, mer 12, ##kel 13,
    // london 19, lives 17, berlin 14, the 7, in 8.
    private static NerSentence S(string file, int doc, int index, params string[] tokens) =>
        new(tokens, tokens.Select(t => t is "john" or "zoe" ? "B-PER" : t is "paris" or "london" or "berlin" ? "B-LOC" : "O").ToArray())
        { SourceFile = file, DocumentIndex = doc, SentenceIndex = index };

    /// <summary>Two documents of one file, then a document of another file with the same document index.</summary>
    private static List<NerSentence> Documents() => new()
    {
        S("f", 0, 0, "a", "b", "c"),
        S("f", 0, 1, "john", "visited", "paris"),
        S("f", 0, 2, "zoe", "met", "merkel"),
        S("f", 1, 3, "london", "lives"),
        S("f", 1, 4, "berlin"),
        S("g", 1, 0, "the", "in"),
    };

    private static SentenceEncoder Encoder(BertNerTokenizer tok, int context, int maxLength = 64) =>
        new(tok, new LabelMap(TinyModel.Labels), labelAllSubtokens: true, maxLength, context);

    [Fact]
    public void Neighbours_of_the_same_document_reach_the_model_and_no_other_document()
    {
        using var dir = new TempDir();
        var tok = TinyModel.Tokenizer(dir["tok"]);
        var e = Encoder(tok, 2).EncodeAll(Documents());

        // The sentence between the last 2 sub-tokens before it and the first 2 after it.
        Assert.Equal(new long[] { Cls, 21, 22, 15, 18, 10, 25, 9, Sep }, e[1].InputIds);
        Assert.Equal((2, 2), (e[1].ContextLeft, e[1].ContextRight));
        // First of its document: nothing on the left; the right reads on into the next sentence.
        Assert.Equal(new long[] { Cls, 20, 21, 22, 15, 18, Sep }, e[0].InputIds);
        // Last of document 0: document 1 follows in the same file but is never its context.
        Assert.Equal(new long[] { Cls, 18, 10, 25, 9, 12, 13, Sep }, e[2].InputIds);
        // First of document 1: document 0 precedes but is never its context.
        Assert.Equal(new long[] { Cls, 19, 17, 14, Sep }, e[3].InputIds);
        Assert.Equal(new long[] { Cls, 19, 17, 14, Sep }, e[4].InputIds);
        // Same document index, other file: its own document.
        Assert.Equal(new long[] { Cls, 7, 8, Sep }, e[5].InputIds);
    }

    [Fact]
    public void The_left_context_keeps_its_end_and_the_right_its_start_across_several_sentences()
    {
        using var dir = new TempDir();
        var tok = TinyModel.Tokenizer(dir["tok"]);
        var e = Encoder(tok, 4).EncodeAll(Documents());
        // Left of "zoe met merkel": c (end of sentence 0), then all of sentence 1.
        Assert.Equal(new long[] { Cls, 22, 15, 18, 10, 25, 9, 12, 13, Sep }, e[2].InputIds);
        // Right of "a b c": all of sentence 1, then the start of sentence 2.
        Assert.Equal(new long[] { Cls, 20, 21, 22, 15, 18, 10, 25, Sep }, e[0].InputIds);
    }

    [Fact]
    public void Context_positions_carry_no_label_and_words_start_inside_the_sentence()
    {
        using var dir = new TempDir();
        var tok = TinyModel.Tokenizer(dir["tok"]);
        var labels = new LabelMap(TinyModel.Labels);
        var e = Encoder(tok, 2).EncodeAll(Documents());
        // [CLS] b c | john visited paris | zoe met [SEP]
        Assert.Equal(new[] { Ign, Ign, Ign, labels["B-PER"], labels["O"], labels["B-LOC"], Ign, Ign, Ign }, e[1].LabelIds);
        Assert.Equal(new[] { 3, 4, 5 }, e[1].WordStarts);
        Assert.Equal((3, 3), (e[1].SentenceStart, e[1].SentenceLength));
        // Sub-words of the sentence's own word keep their continuation label; the context's never get one.
        Assert.Equal(new[] { Ign, Ign, Ign, labels["B-PER"], labels["O"], labels["O"], labels["O"], Ign }, e[2].LabelIds);
    }

    [Fact]
    public void Max_length_takes_the_sentence_first_and_shares_the_rest_between_the_sides()
    {
        using var dir = new TempDir();
        var tok = TinyModel.Tokenizer(dir["tok"]);
        var docs = Documents();
        // 8 positions: [CLS] [SEP], 3 own, 3 left for context: 2 on the left (the odd one), 1 on the right.
        var e = Encoder(tok, 4, maxLength: 8).EncodeAll(docs);
        Assert.Equal(new long[] { Cls, 21, 22, 15, 18, 10, 25, Sep }, e[1].InputIds);
        Assert.All(e, x => Assert.True(x.Length <= 8, $"sentence {x.Index}: {x.Length} positions"));
        // A side that has less leaves the rest to the other: "a b c" has no left context, all 3 go right.
        Assert.Equal(new long[] { Cls, 20, 21, 22, 15, 18, 10, Sep }, e[0].InputIds);
        // A sentence that fills max_length itself is truncated as before and gets no context.
        var t = Encoder(tok, 4, maxLength: 4).EncodeAll(docs);
        Assert.Equal(new long[] { Cls, 15, 18, Sep }, t[1].InputIds);
        Assert.Equal(new[] { 1, 2, -1 }, t[1].WordStarts);

        Assert.Equal((2, 1), SentenceEncoder.SplitBudget(3, 4, 4));
        Assert.Equal((0, 3), SentenceEncoder.SplitBudget(3, 0, 4));
        Assert.Equal((1, 4), SentenceEncoder.SplitBudget(5, 1, 9));
        Assert.Equal((0, 0), SentenceEncoder.SplitBudget(0, 4, 4));
    }

    [Fact]
    public void Zero_context_encodes_exactly_as_the_encoder_before_document_context_on_toy_documents()
    {
        using var dir = new TempDir();
        var tok = TinyModel.Tokenizer(dir["tok"]);
        var sentences = Documents().Concat(ToyData.Sentences(64)).ToList();
        AssertSameEncodings(Legacy(tok, new LabelMap(TinyModel.Labels), true, 8, sentences), Encoder(tok, 0, maxLength: 8).EncodeAll(sentences));
        AssertSameEncodings(Legacy(tok, new LabelMap(TinyModel.Labels), false, 64, sentences),
            new SentenceEncoder(tok, new LabelMap(TinyModel.Labels), false, 64).EncodeAll(sentences));
    }

    [SkippableFact]
    public void Zero_context_encodes_the_conll_training_file_exactly_as_before()
    {
        var train = ConllReader.ReadFile(SharedAssets.Require("data/conll2003/train.txt")).ToList();
        var tok = BertNerTokenizer.FromFolder(SharedAssets.MiniLm);
        var labels = LabelMap.FromData(train);
        AssertSameEncodings(Legacy(tok, labels, true, 512, train), new SentenceEncoder(tok, labels, true, 512).EncodeAll(train));
        // With context the CoNLL documents do give neighbours (a check that the file's documents are read as such).
        var withContext = new SentenceEncoder(tok, labels, true, 512, 64).EncodeAll(train.Take(200).ToList());
        Assert.Contains(withContext, x => x.ContextLeft == 64 && x.ContextRight == 64);
    }

    [Fact]
    public void Word_predictions_and_metrics_cover_only_the_sentences_own_words()
    {
        using var dir = new TempDir();
        var tok = TinyModel.Tokenizer(dir["tok"]);
        var sentences = Documents().Concat(ToyData.Sentences(20).Select(s => new NerSentence(s.Tokens, s.Labels) { SourceFile = "toy" })).ToList();
        var plain = new GarbageOnContext(tok, context: 0);
        var withContext = new GarbageOnContext(tok, context: 3);
        var a = ModelEvaluator.Evaluate(plain, sentences, batchSize: 4);
        var b = ModelEvaluator.Evaluate(withContext, sentences, batchSize: 4);
        Assert.Contains(withContext.Seen, x => x.ContextLeft > 0 && x.ContextRight > 0); // the evaluator read the model's setting
        Assert.All(plain.Seen, x => Assert.Equal((0, 0), (x.ContextLeft, x.ContextRight)));
        Assert.Equal(a.WordPredictions, b.WordPredictions);
        Assert.Equal(a.Words.F1, b.Words.F1);
        Assert.Equal(a.Words.PerType, b.Words.PerType);
        Assert.Equal((a.Words.Tokens, a.Words.CorrectTokens), (b.Words.Tokens, b.Words.CorrectTokens));
        Assert.Equal(a.SubTokens.F1, b.SubTokens.F1);
        Assert.True(a.Words.F1 is > 0 and < 1, $"the fake model should be partly right, F1 {a.Words.F1}");
    }

    /// <summary>A model that tags each own sub-token from its id alone and says B-PER on every context position.</summary>
    private sealed class GarbageOnContext(BertNerTokenizer tokenizer, int context) : ITokenClassifier
    {
        public List<EncodedSentence> Seen { get; } = new();
        public string Name => "garbage-on-context";
        public string? SourcePath => null;
        public BertConfig Config { get; } = new() { Labels = TinyModel.Labels.ToList(), MaxPositionEmbeddings = 64, DocumentContext = context };
        public BertNerTokenizer Tokenizer => tokenizer;
        public IReadOnlyList<string> Labels => Config.Labels;
        public InferenceBackend Backend => InferenceBackend.Torch;
        public string DeviceName => "cpu";

        public TokenScores[] Score(IReadOnlyList<EncodedSentence> items, int batchSize, bool withProbabilities = false,
            Action<int>? progress = null, CancellationToken ct = default)
        {
            Seen.AddRange(items);
            return items.Select(e =>
            {
                var argmax = e.InputIds.Select((id, p) => p >= e.SentenceStart && p < e.SentenceStart + e.SentenceLength
                    ? id is 15 or 25 ? 1 : id is 10 or 14 ? 3 : id is 16 ? 4 : 0 // john/zoe B-PER, paris/berlin B-LOC, smith wrongly I-LOC
                    : 1).ToArray();
                return new TokenScores
                {
                    Argmax = argmax,
                    Probabilities = withProbabilities ? argmax.Select(a => Enumerable.Range(0, Labels.Count).Select(l => l == a ? 1f : 0f).ToArray()).ToArray() : null,
                    LossSum = 0, LossCount = 0,
                };
            }).ToArray();
        }
    }

    [Fact]
    public void The_setting_round_trips_through_yaml_and_is_checked_against_max_length()
    {
        using var dir = new TempDir();
        var o = new TrainingOptions { DocumentContext = 48, MaxLength = 256 };
        TrainingConfigFile.Save(dir["a.yaml"], o, "test");
        Assert.Contains("document_context: 48", File.ReadAllText(dir["a.yaml"]));
        Assert.Equal(48, TrainingConfigFile.Load(dir["a.yaml"]).DocumentContext);
        Assert.Equal(0, new TrainingOptions().DocumentContext);

        File.WriteAllText(dir["b.yaml"], "max_length: 64\ndocument_context: 64\n");
        var e = Assert.Throws<BertNerException>(() => TrainingConfigFile.Load(dir["b.yaml"]).Validate(dir["b.yaml"]));
        Assert.Contains("document_context", e.Message);
        Assert.Contains("max_length", e.Message);
        File.WriteAllText(dir["c.yaml"], "document_context: -1\n");
        Assert.Contains("document_context", Assert.Throws<BertNerException>(() => TrainingConfigFile.Load(dir["c.yaml"])).Message);
        File.WriteAllText(dir["d.yaml"], "document_context: 1.5\n");
        Assert.Contains("document_context", Assert.Throws<BertNerException>(() => TrainingConfigFile.Load(dir["d.yaml"])).Message);
    }

    [Fact]
    public void The_setting_is_saved_with_the_model_and_absent_from_config_json_when_off()
    {
        using var dir = new TempDir();
        using (var m = TinyModel.Create(dir["tok"]))
        {
            m.Save(dir["plain"]);
            m.Config.DocumentContext = 7;
            m.Save(dir["context"]);
        }
        Assert.False(JsonNode.Parse(File.ReadAllText(Path.Combine(dir["plain"], "config.json")))!.AsObject().ContainsKey(BertConfig.DocumentContextKey));
        Assert.Equal(7, (int)JsonNode.Parse(File.ReadAllText(Path.Combine(dir["context"], "config.json")))![BertConfig.DocumentContextKey]!);
        using (var loaded = NerModel.Load(dir["context"], device: "Cpu")) Assert.Equal(7, loaded.Config.DocumentContext);
        using (var loaded = NerModel.Load(dir["plain"], device: "Cpu")) Assert.Equal(0, loaded.Config.DocumentContext);
        var bad = JsonNode.Parse(File.ReadAllText(Path.Combine(dir["context"], "config.json")))!.AsObject();
        bad[BertConfig.DocumentContextKey] = -3;
        Assert.Contains(BertConfig.DocumentContextKey, Assert.Throws<BertNerException>(() => BertConfig.FromJson(bad)).Message);
    }

    [Fact]
    public void The_onnx_export_carries_the_setting()
    {
        using var dir = new TempDir();
        using var m = TinyModel.Create(dir["tok"]);
        m.Config.DocumentContext = 5;
        OnnxExporter.Export(m, dir["onnx"]);
        Assert.Equal(5, (int)JsonNode.Parse(File.ReadAllText(Path.Combine(dir["onnx"], "config.json")))![BertConfig.DocumentContextKey]!);
        using var onnx = OnnxTokenClassifier.Load(dir["onnx"], threads: 1);
        Assert.Equal(5, onnx.Config.DocumentContext);
        // Measured through the ONNX runner, sentences are read with their neighbours too.
        var docs = Documents();
        var viaOnnx = ModelEvaluator.Evaluate(onnx, docs, batchSize: 4);
        var viaTorch = ModelEvaluator.Evaluate(m, docs, batchSize: 4);
        Assert.Equal(viaTorch.Loss, viaOnnx.Loss, 4);
        m.Config.DocumentContext = 0;
        Assert.NotEqual(viaTorch.Loss, ModelEvaluator.Evaluate(m, docs, batchSize: 4).Loss, 6);
    }

    [Fact]
    public void Training_with_context_saves_it_in_every_checkpoint_the_run_and_its_report()
    {
        using var dir = new TempDir();
        using (var m = TinyModel.Create(dir["tiny-src"])) m.Save(dir["tiny"]);
        var train = ToyData.Sentences(32).Select((s, i) => new NerSentence(s.Tokens, s.Labels) { DocumentIndex = i / 8, SentenceIndex = i }).ToList();
        var o = new TrainingOptions
        {
            Model = dir["tiny"], OutputPath = dir["run"], Epochs = 1, LearningRate = 2e-3, BatchSize = 8, Device = "Cpu", Seed = 42,
            DocumentContext = 6, MaxLength = 64,
        };
        var run = new Trainer(o).Run(train, train.Take(8).ToList(), resume: false);
        Assert.Equal(6, run.DocumentContext);
        foreach (var folder in new[] { "best", "last", "epoch-1" })
            using (var saved = NerModel.Load(Path.Combine(run.OutputPath, folder), device: "Cpu"))
                Assert.Equal(6, saved.Config.DocumentContext);
        Assert.Contains("document_context: 6", File.ReadAllText(Path.Combine(run.OutputPath, RunFolder.ConfigFile)));
        var report = File.ReadAllText(Path.Combine(run.OutputPath, RunReport.FileName));
        Assert.Contains("document context</span><b>6 sub-tokens</b>", report);

        // A resumed run keeps its context: asking for another one is refused, naming both.
        o.DocumentContext = 2;
        o.Epochs = 2;
        var e = Assert.Throws<BertNerException>(() => new Trainer(o).Run(train, null, resume: true));
        Assert.Contains("document_context 6", e.Message);
    }

    [Fact]
    public void Windows_of_a_long_text_share_enough_for_a_context_model()
    {
        using var dir = new TempDir();
        var tok = TinyModel.Tokenizer(dir["tok"]);
        var text = string.Join(" ", Enumerable.Range(0, 60).Select(i => i % 3 == 0 ? "john" : i % 3 == 1 ? "visited" : "paris"));
        var model = new GarbageOnContext(tok, context: 5);
        new EntityRecognizer(model, new RecognizerOptions { WindowTokens = 20 }).Recognize(new[] { text });
        var windows = model.Seen;
        Assert.True(windows.Count > 2);
        // Neighbouring windows share 2·5 + 1 = 11 sub-tokens (the default would be 20/4 = 5): each starts 9 after the one before.
        Assert.All(windows.SkipLast(1), w => Assert.Equal(22, w.Length));
        Assert.Equal(60 - (windows.Count - 1) * 9, windows[^1].Length - 2);

        var e = Assert.Throws<BertNerException>(() => new EntityRecognizer(model, new RecognizerOptions { WindowTokens = 20, Stride = 10 }).Recognize(new[] { text }));
        Assert.Equal("Stride", e.Target);
        // A model without context keeps the default stride.
        var plain = new GarbageOnContext(tok, context: 0);
        new EntityRecognizer(plain, new RecognizerOptions { WindowTokens = 20 }).Recognize(new[] { text });
        Assert.Equal(60 - (plain.Seen.Count - 1) * 15, plain.Seen[^1].Length - 2);
    }

    [Fact]
    public void Every_sub_token_of_a_long_text_is_predicted_from_a_window_with_its_context()
    {
        using var dir = new TempDir();
        var tok = TinyModel.Tokenizer(dir["tok"]);
        foreach (var (window, context, length) in new[] { (20, 5, 60), (20, 9, 61), (30, 4, 97), (62, 20, 200), (12, 9, 40) })
        {
            var model = new GarbageOnContext(tok, context);
            var rec = new EntityRecognizer(model, new RecognizerOptions { WindowTokens = window });
            var text = string.Join(" ", Enumerable.Range(0, length).Select(_ => "the"));
            rec.Recognize(new[] { text });
            int c = Math.Min(context, (window - 2) / 2);
            // The recognizer's choice: for each sub-token the window where it sits farthest from an edge (first on ties).
            int start = 0;
            var spans = new List<(int Start, int Length)>();
            foreach (var w in model.Seen) { spans.Add((start, w.Length - 2)); start += window - rec.SharedForContext(window); }
            for (int g = 0; g < length; g++)
            {
                int best = -1, margin = -1;
                for (int i = 0; i < spans.Count; i++)
                {
                    int k = g - spans[i].Start;
                    if (k < 0 || k >= spans[i].Length) continue;
                    int m = Math.Min(k, spans[i].Length - 1 - k);
                    if (m > margin) { margin = m; best = i; }
                }
                int left = g - spans[best].Start, right = spans[best].Start + spans[best].Length - 1 - g;
                Assert.True(left >= Math.Min(c, g) && right >= Math.Min(c, length - 1 - g),
                    $"window {window}, context {context}: sub-token {g} has {left} left and {right} right");
            }
        }
    }

    private static void AssertSameEncodings(List<EncodedSentence> expected, List<EncodedSentence> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].InputIds, actual[i].InputIds);
            Assert.Equal(expected[i].LabelIds, actual[i].LabelIds);
            Assert.Equal(expected[i].WordStarts, actual[i].WordStarts);
            Assert.Equal(expected[i].Index, actual[i].Index);
            Assert.Equal((0, 0), (actual[i].ContextLeft, actual[i].ContextRight));
        }
    }

    /// <summary>SentenceEncoder.Encode as it was before document context (commit 56db10d), kept as the reference for 0.</summary>
    private static List<EncodedSentence> Legacy(BertNerTokenizer tokenizer, LabelMap labels, bool labelAllSubtokens, int maxLength, IReadOnlyList<NerSentence> sentences)
    {
        var list = new List<EncodedSentence>();
        for (int index = 0; index < sentences.Count; index++)
        {
            var s = sentences[index];
            var subs = tokenizer.TokenizeWords(s.Tokens);
            int keep = Math.Min(subs.Count, maxLength - 2);
            var ids = new long[keep + 2];
            var labelIds = new long[keep + 2];
            var starts = Enumerable.Repeat(-1, s.Tokens.Length).ToArray();
            ids[0] = tokenizer.ClsId;
            ids[^1] = tokenizer.SepId;
            labelIds[0] = labelIds[^1] = BertForTokenClassification.IgnoreIndex;
            for (int k = 0; k < keep; k++)
            {
                var t = subs[k];
                ids[k + 1] = t.Id;
                if (t.IsFirstOfWord) starts[t.Word] = k + 1;
                int id = labels[s.Labels[t.Word]];
                labelIds[k + 1] = t.IsFirstOfWord ? id : labelAllSubtokens ? labels.ContinuationOf(id) : BertForTokenClassification.IgnoreIndex;
            }
            list.Add(new EncodedSentence { InputIds = ids, LabelIds = labelIds, WordStarts = starts, Index = index });
        }
        return list;
    }
}
