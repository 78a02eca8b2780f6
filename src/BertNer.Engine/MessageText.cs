using System.Globalization;
using System.Text;

namespace BertNer;

/// <summary>
/// Quotes values found in input inside error messages: short enough to read (a 2 MB line must not become a
/// 2 MB message) and with control characters shown as escapes, so a message cannot garble a terminal or a log.
/// </summary>
internal static class MessageText
{
    public const int MaxQuoted = 80;

    /// <summary><c>'value'</c>, or <c>'first 80 characters…' (N characters)</c> for a long value.</summary>
    public static string Quote(ReadOnlySpan<char> value, int max = MaxQuoted)
    {
        var shown = Shorten(value, max);
        return shown.Length > 0 && shown[^1] == '…' && value.Length > max
            ? $"'{shown}' ({value.Length.ToString("N0", CultureInfo.InvariantCulture)} characters)"
            : $"'{shown}'";
    }

    /// <summary>The value with control characters escaped, cut to <paramref name="max"/> characters with a trailing '…'.</summary>
    public static string Shorten(ReadOnlySpan<char> value, int max = MaxQuoted)
    {
        int shown = Math.Min(value.Length, max);
        // Never cut a surrogate pair in half.
        if (shown < value.Length && shown > 0 && char.IsHighSurrogate(value[shown - 1])) shown--;
        var sb = new StringBuilder(shown + 8);
        foreach (var c in value[..shown])
        {
            if (char.IsControl(c) || c is '\u2028' or '\u2029') sb.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
            else sb.Append(c);
        }
        if (shown < value.Length) sb.Append('…');
        return sb.ToString();
    }
}
