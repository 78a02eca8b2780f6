using System.Globalization;
using System.Net;
using System.Text;

namespace BertNer.Reports;

/// <summary>
/// The frame of every page BertNer writes: one self-contained HTML file (inline CSS and SVG, no scripts,
/// nothing fetched), so it opens the same from a CI artifact, an e-mail or a file share.
/// </summary>
internal static class HtmlPage
{
    private const string BaseCss = """
        :root { color-scheme: light; }
        body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
               color: #1f2328; background: #f6f8fa; margin: 0; }
        main { max-width: 1120px; margin: 0 auto; padding: 24px 28px 48px; }
        h1 { font-size: 24px; margin: 0 0 4px; }
        h2 { font-size: 18px; margin: 28px 0 10px; }
        .sub { color: #59636e; margin: 0 0 8px; font-size: 13px; overflow-wrap: anywhere; }
        .note { color: #59636e; font-style: italic; }
        code { font: 13px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
        table { border-collapse: collapse; background: #fff; font-size: 14px; }
        th, td { border: 1px solid #d1d9e0; padding: 4px 10px; }
        th { background: #eef1f4; font-weight: 600; text-align: left; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
        """;

    /// <summary>A whole document: <paramref name="body"/> must already be HTML (build it with <see cref="Encode"/>).</summary>
    public static string Document(string title, string css, string body)
    {
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
          .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
          .Append("<meta name=\"generator\" content=\"BertNer\">\n")
          .Append("<title>").Append(Encode(title)).Append("</title>\n")
          .Append("<style>\n").Append(BaseCss).Append('\n').Append(css).Append("\n</style>\n</head>\n<body>\n<main>\n")
          .Append(body)
          .Append("</main>\n</body>\n</html>\n");
        return sb.ToString();
    }

    /// <summary>Text or attribute value made safe for HTML: &amp; &lt; &gt; " ' are escaped.</summary>
    public static string Encode(string? text) => WebUtility.HtmlEncode(text ?? "");

    /// <summary>A number as HTML and SVG want it: invariant culture, whatever the machine's locale.</summary>
    public static string Number(double value, string format = "0.####") => value.ToString(format, CultureInfo.InvariantCulture);
}
