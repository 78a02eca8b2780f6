using BertNer.Inference;
using BertNer.Modeling;
using BertNer.Tests.Support;
using BertNer.Training;

namespace BertNer.Tests.Inference;

/// <summary>Raw text to entities with a tiny model trained on the toy set (it learns PER and LOC quickly).</summary>
public class EntityRecognizerTests : IClassFixture<EntityRecognizerTests.TrainedTiny>
{
    public sealed class TrainedTiny : IDisposable
    {
        public TempDir Dir { get; } = new();
        public NerModel Model { get; }

        public TrainedTiny()
        {
            using (var m = TinyModel.Create(Dir["src"])) m.Save(Dir["tiny"]);
            var run = new Trainer(new TrainingOptions
            {
                Model = Dir["tiny"], OutputPath = Dir["run"], Epochs = 15, LearningRate = 5e-3, Device = "Cpu", Seed = 3,
            }).Run(ToyData.Sentences(128), ToyData.Sentences(32, seed: 9), resume: false);
            Assert.True(run.BestF1 > 0.95, $"toy model did not learn (F1 {run.BestF1})");
            Model = NerModel.Load(run.BestModelPath, device: "Cpu");
        }

        public void Dispose() { Model.Dispose(); Dir.Dispose(); }
    }

    private readonly NerModel _model;
    public EntityRecognizerTests(TrainedTiny t) => _model = t.Model;

    [Fact]
    public void Finds_people_and_places_with_exact_offsets()
    {
        const string text = "John Smith visited Paris.";
        var es = new EntityRecognizer(_model).Recognize(new[] { text });
        Assert.Equal(new[] { ("PER", "John Smith", 0, 10), ("LOC", "Paris", 19, 24) }, es.Select(e => (e.Type, e.Text, e.Start, e.End)));
        Assert.All(es, e => Assert.Equal(text.Substring(e.Start, e.End - e.Start), e.Text));
        Assert.All(es, e => Assert.InRange(e.Score, 0.5, 1.0));
    }

    [Theory]
    [InlineData("Zoë visited London.", "Zoë", "London")]                 // accent stripped by the tokenizer, kept in the text
    [InlineData("Zoe\u0308 visited London.", "Zoe\u0308", "London")]     // combining diaeresis stays inside the word
    [InlineData("🚀 Zoe  visited\t\tLondon 東京.", "Zoe", "London")]     // emoji (surrogate pair), CJK, repeated spaces, tabs
    [InlineData("ZOE\nvisited\r\nLONDON", "ZOE", "LONDON")]               // newlines, upper case
    public void Offsets_are_right_for_unicode_and_whitespace(string text, string person, string place)
    {
        var es = new EntityRecognizer(_model).Recognize(new[] { text });
        Assert.All(es, e => Assert.Equal(text.Substring(e.Start, e.End - e.Start), e.Text));
        Assert.Contains(es, e => e.Type == "PER" && e.Text == person && text.IndexOf(person, StringComparison.Ordinal) == e.Start);
        Assert.Contains(es, e => e.Type == "LOC" && e.Text == place && text.IndexOf(place, StringComparison.Ordinal) == e.Start);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \t\n ")]
    [InlineData(null)]
    [InlineData("\u0000\u200b")]
    public void Empty_and_whitespace_inputs_give_no_entities(string? text)
    {
        Assert.Empty(new EntityRecognizer(_model).Recognize(new[] { text }));
    }

    [Fact]
    public void Lone_surrogates_and_control_characters_do_not_break_offsets()
    {
        const string text = "\ud800John\u0007 Smith met \udc00zoe in Berlin.";
        var es = new EntityRecognizer(_model).Recognize(new[] { text });
        Assert.All(es, e => Assert.Equal(text.Substring(e.Start, e.End - e.Start), e.Text));
        Assert.Contains(es, e => e.Type == "LOC" && e.Text == "Berlin");
    }

    [Fact]
    public void Long_text_windows_lose_cut_or_duplicate_no_entity()
    {
        const string sentence = "John Smith visited Paris . Angela Merkel met Zoe in Berlin . ";
        var text = string.Concat(Enumerable.Repeat(sentence, 40));
        var one = new EntityRecognizer(_model).Recognize(new[] { sentence });
        Assert.True(one.Count == 5, string.Join("; ", one));
        // Windows of 20 sub-tokens with 5 shared: every repetition is cut somewhere differently.
        var es = new EntityRecognizer(_model, new RecognizerOptions { WindowTokens = 20, Stride = 5 }).Recognize(new[] { text });
        var expected = Enumerable.Range(0, 40).SelectMany(k => one.Select(e => (e.Type, e.Text, e.Start + k * sentence.Length))).ToList();
        Assert.Equal(expected, es.Select(e => (e.Type, e.Text, e.Start)));
    }

    [Fact]
    public void Strategies_follow_the_hugging_face_pipeline()
    {
        const string text = "Angela Merkel met Zoe in Berlin.";
        var none = new EntityRecognizer(_model, new RecognizerOptions { Aggregation = AggregationStrategy.None }).Recognize(new[] { text });
        // merkel is two sub-tokens (mer ##kel): None gives one entity per sub-token, typed by the full label.
        Assert.Contains(none, e => e.Type == "I-PER" && e.Text == "kel");
        Assert.Contains(none, e => e.Type == "B-PER" && e.Text == "Angela");
        foreach (var s in new[] { AggregationStrategy.Simple, AggregationStrategy.First, AggregationStrategy.Average, AggregationStrategy.Max })
        {
            var es = new EntityRecognizer(_model, new RecognizerOptions { Aggregation = s }).Recognize(new[] { text });
            Assert.Equal(new[] { "Angela Merkel", "Zoe", "Berlin" }, es.Select(e => e.Text));
        }
        var high = new EntityRecognizer(_model, new RecognizerOptions { MinimumScore = 0.999999 }).Recognize(new[] { text });
        Assert.True(high.Count < 3);
    }

    [Fact]
    public void Results_come_back_in_input_order_with_their_index()
    {
        var texts = new[] { "Zoe visited London . Zoe met John Smith in Paris .", "", "Angela Merkel .", "Berlin" };
        var es = new EntityRecognizer(_model, new RecognizerOptions { BatchSize = 2 }).Recognize(texts, firstInputIndex: 10);
        Assert.Equal(es.OrderBy(e => e.InputIndex).ThenBy(e => e.Start).Select(e => e.Text), es.Select(e => e.Text));
        Assert.DoesNotContain(es, e => e.InputIndex == 11);
        Assert.All(es, e => Assert.Same(texts[e.InputIndex - 10], e.Input));
    }
    [Fact]
    public void Cancelling_part_way_through_one_long_text_stops_before_its_last_window()
    {
        // Issue 16.6: Ctrl+C on one long text waited for all of its windows. The token is checked between batches.
        var text = string.Concat(Enumerable.Repeat("John Smith visited Paris . ", 200));
        using var cts = new CancellationTokenSource();
        var reports = new List<(int Done, int Total)>();
        var recognizer = new EntityRecognizer(_model, new RecognizerOptions { WindowTokens = 20, Stride = 5, BatchSize = 1 });
        Assert.ThrowsAny<OperationCanceledException>(() => recognizer.Recognize(new[] { text }, ct: cts.Token, progress: (done, total) =>
        {
            reports.Add((done, total));
            if (done >= 1) cts.Cancel();
        }));
        int total = reports[0].Total;
        Assert.True(total > 50, $"{total} windows");
        Assert.Equal((0, total), reports[0]);
        Assert.Equal((1, total), reports[^1]); // the window that was running when cancelled, and none after it
    }

    [Fact]
    public void Progress_counts_every_window_of_every_text_once()
    {
        var texts = new[] { string.Concat(Enumerable.Repeat("Angela Merkel met Zoe in Berlin . ", 30)), "", "Zoe visited London ." };
        var reports = new List<(int Done, int Total)>();
        var recognizer = new EntityRecognizer(_model, new RecognizerOptions { WindowTokens = 20, Stride = 5, BatchSize = 4 });
        var es = recognizer.Recognize(texts, progress: (done, total) => reports.Add((done, total)));
        int total = reports[0].Total;
        Assert.Equal(total, reports[^1].Done);
        Assert.Equal(Enumerable.Range(0, reports.Count).Select(k => Math.Min(k * 4, total)), reports.Select(r => r.Done));
        Assert.All(reports, r => Assert.Equal(total, r.Total));
        // The same entities as without progress.
        Assert.Equal(new EntityRecognizer(_model, new RecognizerOptions { WindowTokens = 20, Stride = 5, BatchSize = 4 }).Recognize(texts).Select(e => e.ToString()),
            es.Select(e => e.ToString()));
    }
}
