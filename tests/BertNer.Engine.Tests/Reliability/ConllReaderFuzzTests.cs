using System.Text;
using BertNer.Data;
using BertNer.Tests.Support;
using Xunit.Abstractions;

namespace BertNer.Tests.Reliability;

/// <summary>
/// The CoNLL reader on generated files, valid and damaged: random bytes, truncated and huge lines, invalid UTF-8,
/// mixed separators and line ends, byte order marks, odd column options. Every file ends in sentences that satisfy
/// the reader's promises or in a BertNerException naming file:line.
/// </summary>
public class ConllReaderFuzzTests(ITestOutputHelper output)
{
    private static readonly string[] Tokens = { "EU", "rejects", "German", "call", ".", "Zoë", "東京", "\uD83D\uDE80", "O", "B-PER", "-DOCSTART-", "a\u0301", "x" };
    private static readonly string[] Types = { "PER", "LOC", "ORG", "MISC" };

    [Fact]
    public void Generated_and_damaged_files_give_sentences_or_typed_errors()
    {
        var run = new FuzzRun("CoNLL reader", output);
        using var dir = new TempDir();
        for (int seed = 0; seed < 1200; seed++)
        {
            var rng = new Random(seed);
            var (bytes, what) = Generate(rng);
            var path = dir[$"case-{seed}.txt"];
            File.WriteAllBytes(path, bytes);
            var options = new ConllReaderOptions
            {
                TokenColumn = rng.Next(4) == 0 ? rng.Next(-4, 4) : 0,
                LabelColumn = rng.Next(4) == 0 ? rng.Next(-4, 4) : -1,
                Scheme = (TagSchemeKind)rng.Next(Enum.GetValues<TagSchemeKind>().Length),
            };
            bool collect = rng.Next(2) == 0;
            run.Case($"seed {seed} ({what}; {options})", () => Check(path, options, collect));
            File.Delete(path);
        }
        run.AssertAllTyped();
    }

    /// <summary>Reads the file throwing at the first bad sentence, or collecting bad sentences; checks what comes out.</summary>
    private static void Check(string path, ConllReaderOptions options, bool collect)
    {
        var problems = new List<BertNerException>();
        var sentences = collect
            ? new ConllReader(path, options).Read(problems.Add).ToList()
            : ConllReader.ReadFile(path, options).ToList();
        foreach (var p in problems)
        {
            Assert.IsAssignableFrom<BertNerException>(p); // or ConllLabelColumnException, a BertNerException that names tag columns
            Assert.StartsWith(path + ":", p.Target);
        }
        int previous = -1;
        foreach (var s in sentences)
        {
            Assert.True(s.Count > 0, "a sentence without tokens");
            Assert.Equal(s.Tokens.Length, s.Labels.Length);
            Assert.All(s.Tokens, t => Assert.True(t.Length > 0 && !t.Contains(' '), $"token '{t}'"));
            Assert.All(s.Labels, l => Assert.True(TagScheme.IsWellFormed(l, TagSchemeKind.IOB2), $"label '{l}'"));
            // IOB2: an I-X only continues a B-X or I-X of the same type.
            for (int i = 0; i < s.Count; i++)
                if (s.Labels[i][0] == 'I') Assert.True(i > 0 && TagScheme.Continues(s.Labels[i - 1], s.Labels[i]), $"'{s.Labels[i]}' after '{(i > 0 ? s.Labels[i - 1] : "start")}'");
            Assert.True(s.Line >= 1 && s.SentenceIndex > previous, $"line {s.Line}, index {s.SentenceIndex}");
            previous = s.SentenceIndex;
            Assert.Equal(path, s.SourceFile);
        }
    }

    /// <summary>A generated CoNLL file, then (usually) some damage: line-level, byte-level or a whole random file.</summary>
    private static (byte[] Bytes, string What) Generate(Random rng)
    {
        var lines = Lines(rng);
        var what = new List<string> { $"{lines.Count} lines" };
        int edits = rng.Next(0, 4);
        for (int i = 0; i < edits && lines.Count > 0; i++) what.Add(EditLines(rng, lines));
        var newline = rng.Next(6) switch { 0 => "\r\n", 1 => "\r", _ => "\n" };
        var text = string.Join(newline, lines) + (rng.Next(3) == 0 ? "" : newline);
        var bytes = Encoding.UTF8.GetBytes(text);
        if (rng.Next(8) == 0)
        {
            var bom = FuzzInputs.ByteOrderMarks[rng.Next(FuzzInputs.ByteOrderMarks.Length)];
            bytes = bom.Concat(bytes).ToArray();
            what.Add("BOM " + Convert.ToHexString(bom));
        }
        int damage = rng.Next(3) == 0 ? 1 + rng.Next(2) : 0;
        for (int i = 0; i < damage; i++)
        {
            (bytes, var d) = FuzzInputs.Damage(rng, bytes);
            what.Add(d);
        }
        return (bytes, string.Join(", ", what));
    }

    private static List<string> Lines(Random rng)
    {
        var lines = new List<string>();
        int columns = 2 + rng.Next(3);
        char sep = rng.Next(3) == 0 ? '\t' : ' ';
        var prefixes = rng.Next(3) switch { 0 => "BI", 1 => "BIES", _ => "BIO" };
        if (rng.Next(2) == 0) { lines.Add(string.Join(sep, Enumerable.Repeat("-DOCSTART-", 1).Concat(Enumerable.Repeat("O", columns - 1)))); lines.Add(""); }
        int sentences = rng.Next(0, 12);
        for (int s = 0; s < sentences; s++)
        {
            int n = 1 + rng.Next(8);
            for (int k = 0; k < n; k++)
            {
                var cols = new List<string> { Tokens[rng.Next(Tokens.Length)] };
                for (int c = 1; c < columns - 1; c++) cols.Add(rng.Next(2) == 0 ? "NNP" : "I-NP");
                char p = prefixes[rng.Next(prefixes.Length)];
                cols.Add(p == 'O' || rng.Next(3) == 0 ? "O" : $"{p}-{Types[rng.Next(Types.Length)]}");
                lines.Add(string.Join(sep, cols));
            }
            lines.Add(rng.Next(10) == 0 ? " \t " : "");
            if (rng.Next(10) == 0) lines.Add("");
        }
        return lines;
    }

    /// <summary>One line-level edit: a huge line, a truncated line, mixed separators, a stray column, a weird token or label.</summary>
    private static string EditLines(Random rng, List<string> lines)
    {
        int i = rng.Next(lines.Count);
        switch (rng.Next(9))
        {
            case 0:
            {
                // Huge lines: a giant token, or a file that is one endless line.
                int size = rng.Next(4) == 0 ? 1_500_000 + rng.Next(1_000_000) : 50_000 + rng.Next(200_000);
                var giant = new string((char)('a' + rng.Next(26)), size);
                lines[i] = rng.Next(2) == 0 ? giant + " O" : giant;
                return $"huge line of {size} chars at {i + 1}";
            }
            case 1:
                lines[i] = lines[i][..rng.Next(lines[i].Length + 1)];
                return $"line {i + 1} truncated";
            case 2:
                lines[i] = lines[i].Replace(' ', '\t');
                return $"line {i + 1} tab-separated";
            case 3:
                lines[i] = lines[i].Replace("\t", rng.Next(2) == 0 ? " " : "  \t ");
                return $"line {i + 1} mixed separators";
            case 4:
                lines[i] += (rng.Next(2) == 0 ? " " : "\t") + "extra";
                return $"line {i + 1} extra column";
            case 5:
                lines[i] = FuzzInputs.Text(rng, 1 + rng.Next(4)).Replace("\n", "").Replace("\r", "") + " " + lines[i];
                return $"line {i + 1} odd token";
            case 6:
                lines[i] = lines[i] + rng.Next(5) switch { 0 => "X", 1 => "-", 2 => " B-", 3 => " I-", _ => "\u00A0" };
                return $"line {i + 1} odd label";
            case 7:
                lines.Insert(i, "-DOCSTART-");
                return $"-DOCSTART- at {i + 1}";
            default:
                lines.RemoveAt(i);
                return $"line {i + 1} removed";
        }
    }
}
