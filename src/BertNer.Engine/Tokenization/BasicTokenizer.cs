using System.Globalization;
using System.Text;

namespace BertNer.Tokenization;

/// <summary>A word from basic tokenization: its normalized text and, per normalized char, where it came from.</summary>
/// <param name="Text">Normalized (cleaned, NFC, maybe lower-cased and accent-stripped) word.</param>
/// <param name="CharStart">Per char of <paramref name="Text"/>: start offset of its source in the input.</param>
/// <param name="CharEnd">Per char of <paramref name="Text"/>: end offset (exclusive) of its source in the input.</param>
public sealed record BasicWord(string Text, int[] CharStart, int[] CharEnd)
{
    public int Start => CharStart[0];
    public int End => CharEnd[^1];
}

/// <summary>
/// Hugging Face's BasicTokenizer (clean control chars, split CJK, NFC, whitespace, lower-case + accent strip,
/// split punctuation), re-done here because Microsoft.ML.Tokenizers' version drops characters and drifts
/// offsets (docs/design.md, "The tokenizer"). Every output char keeps the exact span of input it came from.
/// </summary>
public sealed class BasicTokenizer(TokenizerSettings settings)
{
    public List<BasicWord> Tokenize(string text)
    {
        var words = new List<BasicWord>();
        var cur = new StringBuilder();
        var starts = new List<int>();
        var ends = new List<int>();

        void Flush()
        {
            if (cur.Length == 0) return;
            words.Add(new BasicWord(cur.ToString(), starts.ToArray(), ends.ToArray()));
            cur.Clear(); starts.Clear(); ends.Clear();
        }

        void Single(string s, int start, int end)
        {
            Flush();
            foreach (var _ in s) { starts.Add(start); ends.Add(end); }
            cur.Append(s);
            Flush();
        }

        int i = 0;
        while (i < text.Length)
        {
            var rune = ReadRune(text, i);
            int next = i + rune.Utf16SequenceLength;
            int cp = rune.Value;
            if (cp == 0 || cp == 0xFFFD || IsControl(rune)) { i = next; continue; } // removed, no boundary
            if (IsWhitespace(rune)) { Flush(); i = next; continue; }
            if (settings.TokenizeChineseChars && IsChineseChar(cp)) { Single(rune.ToString(), i, next); i = next; continue; }

            // A base character with its combining marks is one unit: NFC may merge them into one char.
            int end = next;
            while (end < text.Length)
            {
                var m = ReadRune(text, end);
                if (!IsMark(m)) break;
                end += m.Utf16SequenceLength;
            }
            var unit = Normalize(Clean(text, i, end));
            // When normalizing kept the length, each char keeps its own offset: a unit split at punctuation
            // ("~" + a spacing mark) must give two words side by side, not two words over the same span.
            bool aligned = unit.Length == end - i;
            for (int k = 0; k < unit.Length; k++)
            {
                var ch = unit[k];
                int from = aligned ? i + k : i, to = aligned ? i + k + 1 : end;
                if (IsPunctuation(ch)) Single(ch.ToString(), from, to);
                else { cur.Append(ch); starts.Add(from); ends.Add(to); }
            }
            i = end;
        }
        Flush();
        return words;
    }

    private string Normalize(string s)
    {
        s = s.Normalize(NormalizationForm.FormC);
        if (settings.DoLowerCase) s = s.ToLowerInvariant();
        if (settings.StripsAccents)
        {
            var d = s.Normalize(NormalizationForm.FormD);
            var sb = new StringBuilder(d.Length);
            foreach (var c in d)
                if (CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark) sb.Append(c);
            s = sb.ToString();
        }
        return s;
    }

    // Marks inside a unit are kept unless they are control chars (HF drops those before anything else).
    private static string Clean(string text, int start, int end)
    {
        var sb = new StringBuilder(end - start);
        for (int i = start; i < end;)
        {
            var r = ReadRune(text, i);
            if (!(r.Value == 0 || r.Value == 0xFFFD || IsControl(r))) sb.Append(r.ToString());
            i += r.Utf16SequenceLength;
        }
        return sb.ToString();
    }

    /// <summary>A lone surrogate reads as U+FFFD, which HF's cleaning removes.</summary>
    private static Rune ReadRune(string s, int i) =>
        Rune.DecodeFromUtf16(s.AsSpan(i), out var r, out _) == System.Buffers.OperationStatus.Done ? r : new Rune(0xFFFD);

    internal static bool IsWhitespace(Rune r) =>
        r.Value is ' ' or '\t' or '\n' or '\r' || Rune.GetUnicodeCategory(r) == UnicodeCategory.SpaceSeparator;

    internal static bool IsControl(Rune r)
    {
        if (r.Value is '\t' or '\n' or '\r') return false;
        return Rune.GetUnicodeCategory(r) is UnicodeCategory.Control or UnicodeCategory.Format
            or UnicodeCategory.OtherNotAssigned or UnicodeCategory.PrivateUse or UnicodeCategory.Surrogate;
    }

    private static bool IsMark(Rune r) =>
        Rune.GetUnicodeCategory(r) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark;

    internal static bool IsPunctuation(char c)
    {
        int cp = c;
        if (cp is >= 33 and <= 47 or >= 58 and <= 64 or >= 91 and <= 96 or >= 123 and <= 126) return true;
        return CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
            or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
            or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation;
    }

    internal static bool IsChineseChar(int cp) =>
        cp is >= 0x4E00 and <= 0x9FFF or >= 0x3400 and <= 0x4DBF or >= 0x20000 and <= 0x2A6DF or >= 0x2A700 and <= 0x2B73F
            or >= 0x2B740 and <= 0x2B81F or >= 0x2B820 and <= 0x2CEAF or >= 0xF900 and <= 0xFAFF or >= 0x2F800 and <= 0x2FA1F;
}
