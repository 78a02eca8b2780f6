using System.Globalization;
using System.Text;
using BertNer.Inference;

namespace BertNer.Reports;

/// <summary>
/// Texts with their entities highlighted in place, in the style of spaCy's displaCy: each entity is a coloured
/// mark (one colour per type) with its type as a small label after it, its score in the tooltip. A mark is an
/// inline block, so it moves to the next line whole instead of breaking inside ("Elon | Musk PER"); only an entity
/// wider than the whole text column wraps, inside its own box. Everything
/// taken from the texts is HTML-escaped; white space and line breaks are kept as they are.
/// </summary>
public static class EntityHtml
{
    public const string DefaultTitle = "Named entities";

    private const string Css = """
        .legend { margin: 8px 0 20px; }
        .doc { display: flex; gap: 14px; background: #fff; border: 1px solid #d1d9e0; border-radius: 6px; padding: 10px 16px; margin: 0 0 12px; }
        .idx { color: #8c959f; font-size: 12px; min-width: 2.5em; text-align: right; padding-top: 0.6em; font-variant-numeric: tabular-nums; }
        .text { font-size: 16px; line-height: 2.6; white-space: pre-wrap; overflow-wrap: anywhere; flex: 1; }
        mark.entity { display: inline-block; color: #1f2328; padding: 0.3em 0.5em; margin: 0 0.15em; line-height: 1; border-radius: 0.35em; }
        .label { font-size: 0.62em; font-weight: 700; line-height: 1; text-transform: uppercase; vertical-align: middle;
                 margin-left: 0.45em; letter-spacing: 0.03em; }
        .empty { color: #8c959f; font-size: 12px; font-style: italic; margin-left: 0.6em; white-space: normal; }
        """;

    /// <summary>The page for <paramref name="texts"/> (see <see cref="AnnotatedText.Group"/>) as an HTML string.</summary>
    public static string Render(IReadOnlyList<AnnotatedText> texts, string? title = null)
    {
        title = string.IsNullOrWhiteSpace(title) ? DefaultTitle : title;
        var b = new StringBuilder();
        int entityCount = texts.Sum(t => t.Entities.Count);
        b.Append($"<h1>{E(title)}</h1>\n");
        b.Append($"<p class=\"sub\">{Plural(texts.Count, "text")}, {Plural(entityCount, "entity", "entities")}</p>\n");
        if (entityCount > 0)
        {
            b.Append("<div class=\"legend\">");
            foreach (var type in texts.SelectMany(t => t.Entities).GroupBy(e => e.Type, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
                b.Append($"<mark class=\"entity\" style=\"background: {EntityColors.For(type.Key)}\">{E(type.Key)}<span class=\"label\">{type.Count()}</span></mark> ");
            b.Append("</div>\n");
        }
        foreach (var text in texts) Text(b, text);
        if (texts.Count == 0) b.Append("<p class=\"note\">No texts.</p>\n");
        return HtmlPage.Document(title, Css, b.ToString());
    }

    private static void Text(StringBuilder b, AnnotatedText t)
    {
        b.Append("<div class=\"doc\">");
        b.Append(t.InputIndex is { } i ? $"<div class=\"idx\" title=\"InputIndex {i}\">{i}</div>" : "<div class=\"idx\"></div>");
        b.Append("<div class=\"text\">");
        int at = 0;
        foreach (var e in t.Entities)
        {
            if (e.Start < 0 || e.End < e.Start || e.End > t.Text.Length)
                throw new BertNerException(BertNerErrorKind.InvalidArgument,
                    $"The entity '{e.Text}' ({e.Type}) has offsets [{e.Start}..{e.End}), outside its input of {t.Text.Length} characters: \"{Shorten(t.Text)}\".", e.Text);
            if (e.Start < at)
                throw new BertNerException(BertNerErrorKind.InvalidArgument,
                    $"The entities '{t.Text[e.Start..e.End]}' [{e.Start}..{e.End}) and the one before it overlap in \"{Shorten(t.Text)}\"; a page shows one entity per character. Render overlapping entities on separate pages.", e.Text);
            b.Append(E(t.Text[at..e.Start]));
            var tooltip = string.Create(CultureInfo.InvariantCulture, $"{e.Type}, score {e.Score:0.000}, characters {e.Start}..{e.End}");
            b.Append($"<mark class=\"entity\" style=\"background: {EntityColors.For(e.Type)}\" title=\"{E(tooltip)}\">")
             .Append(E(t.Text[e.Start..e.End]))
             .Append($"<span class=\"label\">{E(e.Type)}</span></mark>");
            at = e.End;
        }
        b.Append(E(t.Text[at..]));
        if (t.Entities.Count == 0) b.Append("<span class=\"empty\">no entities</span>");
        b.Append("</div></div>\n");
    }

    private static string Plural(int n, string one, string? many = null) =>
        $"{n.ToString("N0", CultureInfo.InvariantCulture)} {(n == 1 ? one : many ?? one + "s")}";

    private static string Shorten(string s) => s.Length <= 60 ? s : s[..60] + "…";

    private static string E(string text) => HtmlPage.Encode(text);
}
