using System.Text;
using BertNer.Inference;
using BertNer.Modeling;
using BertNer.Tokenization;
using BertNer.Tests.Support;
using Xunit.Abstractions;

namespace BertNer.Tests.Reliability;

/// <summary>
/// Text no tokenizer expects, through the entity recognizer: empty and null, 1 MB strings, lone surrogates, control
/// characters, marks without a base, emoji sequences, every plane. Every call ends in entities whose offsets cut the
/// input exactly (input.Substring(Start, End - Start) == Text) and never split a surrogate pair.
/// </summary>
public class RecognizerFuzzTests(ITestOutputHelper output)
{
    [Fact]
    public void Any_text_gives_entities_whose_offsets_cut_the_input_exactly()
    {
        var run = new FuzzRun("text into EntityRecognizer.Recognize", output);
        using var dir = new TempDir();
        // Untrained: its labels are close to random, so entities start and end everywhere.
        using var model = TinyModel.Create(dir["tiny"], seed: 3);
        int entities = 0;
        for (int seed = 0; seed < 150; seed++)
        {
            var rng = new Random(seed);
            var texts = new List<string?>();
            int n = 1 + rng.Next(12);
            for (int i = 0; i < n; i++)
            {
                texts.Add(rng.Next(12) switch
                {
                    0 => null,
                    1 => "",
                    2 => " \t\r\n\u00A0\u3000",
                    3 => string.Concat(Enumerable.Range(0, 1 + rng.Next(300)).Select(_ => (char)rng.Next(0xD800, 0xE000))), // surrogates only
                    4 => string.Concat(Enumerable.Range(0, 1 + rng.Next(200)).Select(_ => (char)rng.Next(0, 0x20))),          // controls only
                    5 => new string('\u0301', 1 + rng.Next(500)),
                    _ => FuzzInputs.Text(rng, 1 + rng.Next(rng.Next(4) == 0 ? 400 : 40)),
                });
            }
            var options = new RecognizerOptions
            {
                Aggregation = Enum.GetValues<AggregationStrategy>()[rng.Next(Enum.GetValues<AggregationStrategy>().Length)],
                BatchSize = 1 + rng.Next(40),
                Stride = rng.Next(3) == 0 ? rng.Next(0, 80) : null,
                WindowTokens = rng.Next(4) == 0 ? 1 + rng.Next(70) : null,
            };
            run.Case($"seed {seed} ({n} texts, {options})", () => entities += Check(model, texts, options, rng.Next(100)));
        }
        // Megabyte strings: words, one word without a break, and nothing but surrogates, control characters,
        // combining marks or spaces; and a quarter megabyte of everything mixed (mostly [UNK]s, so many windows).
        var big = new[]
        {
            string.Join(' ', Enumerable.Repeat("John Smith visited Paris .", 40_000)),
            FuzzInputs.Text(new Random(1), 100_000),
            new string('x', 1 << 20),
            string.Concat(Enumerable.Range(0, 1 << 20).Select(k => (char)(0xD800 + k % 0x800))),
            string.Concat(Enumerable.Range(0, 1 << 20).Select(k => (char)(k % 0x20))),
            "a" + new string('\u0301', 1 << 20),
            new string(' ', 1 << 20),
        };
        foreach (var (text, i) in big.Select((t, i) => (t, i)))
            run.Case($"long text {i} ({text.Length:N0} chars)", () => entities += Check(model, new[] { text }, new RecognizerOptions(), 0), timeLimitSeconds: 300);
        output.WriteLine($"{entities} entities checked");
        run.AssertAllTyped();
    }

    private static int Check(NerModel model, IReadOnlyList<string?> texts, RecognizerOptions options, int firstIndex)
    {
        var found = new EntityRecognizer(model, options).Recognize(texts, firstIndex);
        int previousInput = -1, previousStart = 0, previousEnd = 0;
        foreach (var e in found)
        {
            int i = e.InputIndex - firstIndex;
            Assert.InRange(i, 0, texts.Count - 1);
            var input = texts[i];
            Assert.NotNull(input);
            Assert.Same(input, e.Input); // the caller's string, not a copy
            Assert.InRange(e.Start, 0, input!.Length - 1);
            Assert.InRange(e.End, e.Start + 1, input.Length);
            Assert.Equal(input.Substring(e.Start, e.End - e.Start), e.Text);
            Assert.False(char.IsLowSurrogate(input[e.Start]) && e.Start > 0 && char.IsHighSurrogate(input[e.Start - 1]), $"{e} starts inside a surrogate pair");
            Assert.False(char.IsHighSurrogate(input[e.End - 1]) && e.End < input.Length && char.IsLowSurrogate(input[e.End]), $"{e} ends inside a surrogate pair");
            // The edges are characters a token can start and end with (the tokenizer's whitespace and control characters are
            // not; U+2028 and the like are word characters to Hugging Face, as they are here).
            var first = Rune.GetRuneAt(input, e.Start);
            Assert.False(BasicTokenizer.IsWhitespace(first) || BasicTokenizer.IsControl(first), $"{e} starts with U+{first.Value:X4}");
            Assert.True(Rune.DecodeLastFromUtf16(input.AsSpan(0, e.End), out var last, out _) == System.Buffers.OperationStatus.Done, $"{e} ends in a broken character");
            Assert.False(BasicTokenizer.IsWhitespace(last) || BasicTokenizer.IsControl(last), $"{e} ends with U+{last.Value:X4}");
            Assert.True(e.Score is >= 0 and <= 1, $"score {e.Score}");
            Assert.True(e.Type.Length > 0 && e.Type != "O", $"type '{e.Type}'");
            // Entities come in input order and, within an input, in text order; grouped ones do not overlap
            // (with None every sub-token is its own entity, and pieces of one character may share its span).
            if (i == previousInput)
                Assert.True(options.Aggregation == AggregationStrategy.None ? e.Start >= previousStart : e.Start >= previousEnd, $"{e} overlaps [{previousStart}..{previousEnd})");
            else Assert.True(i > previousInput, $"{e} out of input order");
            (previousInput, previousStart, previousEnd) = (i, e.Start, e.End);
        }
        return found.Count;
    }
}
