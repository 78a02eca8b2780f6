using System.Text;

namespace BertNer.Reports;

/// <summary>One line of a chart: a value per epoch (missing epochs are simply not drawn).</summary>
internal sealed record ChartSeries(string Name, string Colour, IReadOnlyList<(double X, double Y)> Points, bool Dashed = false);

/// <summary>
/// A small inline SVG line chart over epochs: integer x ticks, "nice" y ticks, a legend, and a native tooltip
/// on every point (an SVG title element, so no script is needed).
/// </summary>
internal static class SvgLineChart
{
    private const int Width = 520, Height = 290;
    private const int Left = 58, Right = 16, Top = 40, Bottom = 44;

    /// <param name="floor">A lower bound the axis always shows (0 for losses), or null to fit the data.</param>
    /// <param name="ceiling">An upper bound the axis never passes (1 for scores), or null.</param>
    public static string Render(string title, IReadOnlyList<ChartSeries> series, double? floor, double? ceiling, string emptyMessage)
    {
        var sb = new StringBuilder();
        sb.Append($"<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" role=\"img\" aria-label=\"{HtmlPage.Encode(title)}\">\n");
        sb.Append($"<rect x=\"0.5\" y=\"0.5\" width=\"{Width - 1}\" height=\"{Height - 1}\" rx=\"6\" fill=\"#fff\" stroke=\"#d1d9e0\"/>\n");
        sb.Append($"<text x=\"{Left}\" y=\"24\" font-size=\"15\" font-weight=\"600\" fill=\"#1f2328\">{HtmlPage.Encode(title)}</text>\n");

        var finite = series.SelectMany(s => s.Points).Where(p => double.IsFinite(p.Y)).ToList();
        if (finite.Count == 0)
        {
            sb.Append($"<text x=\"{Width / 2}\" y=\"{Height / 2}\" text-anchor=\"middle\" font-size=\"13\" fill=\"#59636e\">{HtmlPage.Encode(emptyMessage)}</text>\n</svg>\n");
            return sb.ToString();
        }

        // x: one slot per epoch, points in the middle of their slot.
        double xMin = finite.Min(p => p.X) - 0.5, xMax = finite.Max(p => p.X) + 0.5;
        var (yMin, yMax, step) = YAxis(finite.Min(p => p.Y), finite.Max(p => p.Y), floor, ceiling);
        double plotW = Width - Left - Right, plotH = Height - Top - Bottom;
        double X(double x) => Left + (x - xMin) / (xMax - xMin) * plotW;
        double Y(double y) => Top + (1 - (y - yMin) / (yMax - yMin)) * plotH;

        int decimals = Math.Max(0, (int)Math.Ceiling(-Math.Log10(step) - 1e-9));
        string format = decimals == 0 ? "0" : "0." + new string('0', decimals);
        for (double t = yMin; t <= yMax + step / 1000; t += step)
        {
            var y = N(Y(t));
            sb.Append($"<line x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{y}\" y2=\"{y}\" stroke=\"#eef1f4\"/>\n");
            sb.Append($"<text x=\"{Left - 8}\" y=\"{y}\" dy=\"4\" text-anchor=\"end\" font-size=\"11\" fill=\"#59636e\">{HtmlPage.Number(t, format)}</text>\n");
        }
        int first = (int)Math.Ceiling(xMin), last = (int)Math.Floor(xMax);
        int every = Math.Max(1, (int)Math.Ceiling((last - first + 1) / 12.0));
        for (int e = first; e <= last; e += every)
            sb.Append($"<text x=\"{N(X(e))}\" y=\"{Height - Bottom + 18}\" text-anchor=\"middle\" font-size=\"11\" fill=\"#59636e\">{e}</text>\n");
        sb.Append($"<text x=\"{N(Left + plotW / 2)}\" y=\"{Height - 8}\" text-anchor=\"middle\" font-size=\"12\" fill=\"#59636e\">epoch</text>\n");
        sb.Append($"<line x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{Height - Bottom}\" y2=\"{Height - Bottom}\" stroke=\"#8c959f\"/>\n");
        sb.Append($"<line x1=\"{Left}\" x2=\"{Left}\" y1=\"{Top}\" y2=\"{Height - Bottom}\" stroke=\"#8c959f\"/>\n");

        // Legend, right-aligned on the title line.
        double lx = Width - Right;
        foreach (var s in series.Reverse())
        {
            lx -= 9 + 7 * s.Name.Length;
            sb.Append($"<text x=\"{N(lx)}\" y=\"24\" font-size=\"12\" fill=\"#1f2328\">{HtmlPage.Encode(s.Name)}</text>\n");
            lx -= 22;
            sb.Append($"<line x1=\"{N(lx)}\" x2=\"{N(lx + 16)}\" y1=\"20\" y2=\"20\" stroke=\"{s.Colour}\" stroke-width=\"2.5\"{Dash(s)}/>\n");
            lx -= 12;
        }

        // The first series is the one that matters most: drawn last, so it stays visible where lines meet.
        foreach (var s in series.Reverse())
        {
            var points = s.Points.Where(p => double.IsFinite(p.Y)).OrderBy(p => p.X).ToList();
            if (points.Count > 1)
                sb.Append($"<polyline fill=\"none\" stroke=\"{s.Colour}\" stroke-width=\"2.5\" stroke-linejoin=\"round\"{Dash(s)} points=\"")
                  .Append(string.Join(" ", points.Select(p => $"{N(X(p.X))},{N(Y(p.Y))}"))).Append("\"/>\n");
            foreach (var p in points)
                sb.Append($"<circle cx=\"{N(X(p.X))}\" cy=\"{N(Y(p.Y))}\" r=\"3.5\" fill=\"{s.Colour}\"><title>{HtmlPage.Encode(s.Name)}, epoch {HtmlPage.Number(p.X)}: {HtmlPage.Number(p.Y)}</title></circle>\n");
        }
        sb.Append("</svg>\n");
        return sb.ToString();
    }

    /// <summary>Axis bounds on a 1-2-5 grid that contain the data, about four to six ticks.</summary>
    internal static (double Min, double Max, double Step) YAxis(double min, double max, double? floor, double? ceiling)
    {
        if (floor is { } f) min = Math.Min(min, f);
        if (max - min < 1e-12)
        {
            // A flat line: show a small band around it (inside the bounds).
            double pad = Math.Abs(max) > 1e-12 ? Math.Abs(max) * 0.1 : 0.1;
            min -= pad;
            max += pad;
            if (floor is { } f2 && min < f2 && max > f2) min = f2;
        }
        if (ceiling is { } c) max = Math.Min(Math.Max(max, min + 1e-9), Math.Max(c, min + 1e-9));
        double step = NiceStep((max - min) / 4);
        double lo = Math.Floor(min / step + 1e-9) * step, hi = Math.Ceiling(max / step - 1e-9) * step;
        if (ceiling is { } c2 && hi > c2 && max <= c2) hi = Math.Max(lo + step, Math.Floor(c2 / step + 1e-9) * step);
        if (floor is { } f3 && lo < f3 && min >= f3) lo = f3;
        if (hi <= lo) hi = lo + step;
        return (lo, hi, step);
    }

    private static double NiceStep(double rough)
    {
        double power = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        double fraction = rough / power;
        return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power;
    }

    private static string Dash(ChartSeries s) => s.Dashed ? " stroke-dasharray=\"5 4\"" : "";

    private static string N(double v) => HtmlPage.Number(v, "0.#");
}
