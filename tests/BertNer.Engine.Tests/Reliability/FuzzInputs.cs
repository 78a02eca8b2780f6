using System.Text;

namespace BertNer.Tests.Reliability;

/// <summary>Deterministic generators of awkward input: text from hostile corners of Unicode, and byte-level damage.</summary>
public static class FuzzInputs
{
    /// <summary>Pieces users' text really contains, and pieces that only broken input contains.</summary>
    private static readonly string[] Pieces =
    {
        "John", "Smith", "paris", "Angela", "Merkel", "visited", "in", "the", ".", ",", "!", "'", "-", "zoe", "Zoë", "ZOË",
        " ", "  ", "\t", "\n", "\r\n", "\u00A0", "\u2028", "\u3000", "\u200B", "\u200D", "\uFEFF", "\u202E", "\u0000", "\u0007",
        "\u001B[31m", "\u007F", "\u0085", "\uFFFD", "\uFFFE", "\uFFFF", "\uE000", "\uD800", "\uDC00", "\uDBFF\uDFFF", "\uDC00\uD800",
        "\u0301", "e\u0301", "\u0301\u0301\u0301\u0301", "\u1100\u1161\u11A8", "東京", "日本語", "\uD83D\uDE80", "\uD83D\uDC68\u200D\uD83D\uDC69\u200D\uD83D\uDC67",
        "\uD83D\uDC4D\uD83C\uDFFD", "\u0130", "\u0131", "ß", "ﬁ", "\u212B", "Å", "\u0627\u0644\u0639\u0631\u0628\u064A\u0629", "\u05E9\u05DC\u05D5\u05DD",
        "$", "^", "~", "€", "£", "...", "--", "##kel", "[CLS]", "[SEP]", "[UNK]", "[PAD]", "\\", "\"", "<script>", "%s", "{0}",
        "\uD835\uDC00\uD835\uDC01", "\U0001F600", "\U000E0001", "\U0010FFFF",
    };

    /// <summary>A string of <paramref name="pieces"/> random pieces (words, separators, controls, marks, surrogates, emoji).</summary>
    public static string Text(Random rng, int pieces)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < pieces; i++)
        {
            switch (rng.Next(10))
            {
                case 0: sb.Append((char)rng.Next(0, 0x10000)); break; // any UTF-16 unit, lone surrogates included
                case 1: sb.Append(char.ConvertFromUtf32(RandomScalar(rng))); break;
                default: sb.Append(Pieces[rng.Next(Pieces.Length)]); break;
            }
            if (rng.Next(3) == 0) sb.Append(' ');
        }
        return sb.ToString();
    }

    /// <summary>A random Unicode scalar value (no surrogates), from any plane.</summary>
    public static int RandomScalar(Random rng)
    {
        while (true)
        {
            int cp = rng.Next(4) == 0 ? rng.Next(0x10000, 0x110000) : rng.Next(0, 0x10000);
            if (cp is < 0xD800 or > 0xDFFF) return cp;
        }
    }

    /// <summary>Byte sequences that are not UTF-8: stray continuation, truncated sequences, overlong forms, surrogates, &gt; U+10FFFF.</summary>
    public static readonly byte[][] InvalidUtf8 =
    {
        new byte[] { 0x80 }, new byte[] { 0xBF }, new byte[] { 0xC3 }, new byte[] { 0xE2, 0x82 }, new byte[] { 0xF0, 0x9F, 0x98 },
        new byte[] { 0xC0, 0xAF }, new byte[] { 0xE0, 0x80, 0xAF }, new byte[] { 0xED, 0xA0, 0x80 }, new byte[] { 0xF4, 0x90, 0x80, 0x80 },
        new byte[] { 0xF8, 0x88, 0x80, 0x80, 0x80 }, new byte[] { 0xFE }, new byte[] { 0xFF }, new byte[] { 0xE9 },
    };

    public static readonly byte[][] ByteOrderMarks =
    {
        new byte[] { 0xEF, 0xBB, 0xBF }, new byte[] { 0xFF, 0xFE }, new byte[] { 0xFE, 0xFF }, new byte[] { 0xFF, 0xFE, 0x00, 0x00 }, new byte[] { 0x00, 0x00, 0xFE, 0xFF },
    };

    /// <summary>
    /// Applies one random kind of byte-level damage and returns the damaged copy with a name for the report:
    /// truncation, flipped bits, random or invalid-UTF-8 bytes inserted, a span deleted or duplicated, zeroed or 0xFF'd.
    /// </summary>
    public static (byte[] Data, string What) Damage(Random rng, byte[] data)
    {
        var list = new List<byte>(data);
        int At(int extra = 0) => rng.Next(0, list.Count + extra);
        switch (rng.Next(8))
        {
            case 0:
            {
                int n = At();
                list.RemoveRange(n, list.Count - n);
                return (list.ToArray(), $"truncated at {n}");
            }
            case 1:
            {
                int flips = 1 + rng.Next(8);
                for (int i = 0; i < flips && list.Count > 0; i++) { int p = At(); list[p] ^= (byte)(1 << rng.Next(8)); }
                return (list.ToArray(), $"{flips} bit flips");
            }
            case 2:
            {
                int p = At(1);
                var junk = new byte[1 + rng.Next(64)];
                rng.NextBytes(junk);
                list.InsertRange(p, junk);
                return (list.ToArray(), $"{junk.Length} random bytes at {p}");
            }
            case 3:
            {
                int p = At(1);
                var bad = InvalidUtf8[rng.Next(InvalidUtf8.Length)];
                list.InsertRange(p, bad);
                return (list.ToArray(), $"invalid UTF-8 {Convert.ToHexString(bad)} at {p}");
            }
            case 4:
            {
                if (list.Count == 0) return (list.ToArray(), "empty");
                int p = At(), n = Math.Min(list.Count - p, 1 + rng.Next(256));
                list.RemoveRange(p, n);
                return (list.ToArray(), $"{n} bytes deleted at {p}");
            }
            case 5:
            {
                if (list.Count == 0) return (list.ToArray(), "empty");
                int p = At(), n = Math.Min(list.Count - p, 1 + rng.Next(256));
                list.InsertRange(p, list.GetRange(p, n));
                return (list.ToArray(), $"{n} bytes duplicated at {p}");
            }
            case 6:
            {
                if (list.Count == 0) return (list.ToArray(), "empty");
                int p = At(), n = Math.Min(list.Count - p, 1 + rng.Next(64));
                byte fill = rng.Next(2) == 0 ? (byte)0 : (byte)0xFF;
                for (int i = p; i < p + n; i++) list[i] = fill;
                return (list.ToArray(), $"{n} bytes set to {fill:X2} at {p}");
            }
            default:
            {
                var junk = new byte[rng.Next(0, 2048)];
                rng.NextBytes(junk);
                return (junk, $"{junk.Length} random bytes");
            }
        }
    }
}
