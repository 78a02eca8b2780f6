using System.Globalization;
using System.Text;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace BertNer.Training;

/// <summary>
/// Reads and writes training configs as YAML. Parsing walks the YAML nodes itself so every error names
/// the file, line and key, the value found and what is allowed (and suggests the nearest key on a typo).
/// </summary>
public static class TrainingConfigFile
{
    /// <summary>Applies the YAML file's keys onto <paramref name="into"/> (keys absent keep their value).</summary>
    public static TrainingOptions Load(string path, TrainingOptions? into = null)
    {
        if (Directory.Exists(path))
        {
            // A folder (often a run folder) is not a config: point at the YAML files in it, never suggest a file named like the folder.
            var yamls = Directory.EnumerateFiles(path).Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
                .Select(Path.GetFileName).Order(StringComparer.Ordinal).Take(5).ToList();
            throw new BertNerException(BertNerErrorKind.InvalidArgument,
                $"'{path}' is a folder; a training config is a YAML file. " +
                (yamls.Count > 0 ? $"It holds {string.Join(", ", yamls.Select(f => $"'{f}'"))}: give one of them, e.g. -ConfigPath '{Path.Combine(path, yamls[0]!)}'."
                    : $"Give a file, or create one with New-BertNerTrainingConfig -Path '{Path.Combine(path, "train.yaml")}'."), path);
        }
        if (!File.Exists(path))
            throw new BertNerException(BertNerErrorKind.ObjectNotFound, $"No training config at '{path}'. Create one with New-BertNerTrainingConfig -Path '{path}'.", path);
        var o = into ?? new TrainingOptions();
        var length = new FileInfo(path).Length;
        if (length > MaxFileBytes)
            throw new BertNerException(BertNerErrorKind.InvalidData,
                $"'{path}' has {length:N0} bytes; a training config is a short list of keys (a few kilobytes). Is it the right file?", path);
        var text = File.ReadAllText(path, Encoding.UTF8);
        var yaml = new YamlStream();
        var trace = new ParseTrace();
        try
        {
            CheckNesting(text, path, trace);
            yaml.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            var why = e.InnerException?.Message ?? e.Message;
            // An unclosed '[' is noticed only where the file ends: name the line that opened it.
            if (trace.OpenFlow is { } open && open.Line < e.Start.Line)
                throw new BertNerException(BertNerErrorKind.InvalidData,
                    $"{path}:{open.Line}: not valid YAML: the {open.Kind} opened on this line is never closed (a missing '{(open.Kind == "list" ? ']' : '}')}'?); at line {e.Start.Line}: {why}", $"{path}:{open.Line}", e);
            throw new BertNerException(BertNerErrorKind.InvalidData, $"{path}:{e.Start.Line}: not valid YAML: {why}", $"{path}:{e.Start.Line}", e);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException or OverflowException)
        {
            // YamlDotNet's scanner throws these, with .NET's own wording and no position, on some damaged input
            // (seen: 'batch_size: [8' at the end of the file, a NUL byte, '[' in a comment). The events read so far say where.
            var (line, what) = trace.OpenFlow is { } open
                ? (open.Line, $"the {open.Kind} opened on this line is never closed (a missing '{(open.Kind == "list" ? ']' : '}')}'?)")
                : (trace.LastLine, "the parser could not read past this line (an unclosed '[' or '{', a stray control character?)");
            throw new BertNerException(BertNerErrorKind.InvalidData,
                $"{path}:{line}: not valid YAML: {what}. Compare it with a file from New-BertNerTrainingConfig.", $"{path}:{line}", e);
        }
        if (yaml.Documents.Count == 0) return o;
        var root = yaml.Documents[0].RootNode;
        if (root is YamlScalarNode { Value: null or "" or "~" }) return o;
        if (root is not YamlMappingNode map)
            throw new BertNerException(BertNerErrorKind.InvalidData, $"{path}:{root.Start.Line}: a training config is a mapping of keys (learning_rate: 2e-5, ...), not a {root.NodeType}.", $"{path}:{root.Start.Line}");
        var seen = new HashSet<string>();
        foreach (var (kNode, vNode) in map.Children)
        {
            var name = (kNode as YamlScalarNode)?.Value ?? "";
            var where = $"{path}:{kNode.Start.Line}";
            var key = TrainingOptionKeys.Find(name);
            if (key is null)
            {
                var near = TrainingOptionKeys.Nearest(name);
                throw new BertNerException(BertNerErrorKind.InvalidArgument,
                    $"{where}: unknown key {MessageText.Quote(name)}." + (near != null ? $" Did you mean '{near}'?" : "") + $" Known keys: {string.Join(", ", TrainingOptionKeys.All.Select(k => k.Name))}.",
                    where);
            }
            if (!seen.Add(name))
                throw new BertNerException(BertNerErrorKind.InvalidArgument, $"{where}: key {MessageText.Quote(name)} appears twice.", where);
            key.Set(o, Convert(vNode, key, where));
            key.Check(o, where);
        }
        return o;
    }

    /// <summary>Largest config file read (1 MiB): far beyond any real config, small enough to parse at once.</summary>
    public const int MaxFileBytes = 1 << 20;

    /// <summary>Deepest nesting of lists and mappings accepted; a config needs 2 (the labels list in the top mapping).</summary>
    public const int MaxNesting = 16;

    /// <summary>
    /// Walks the YAML events (the parser keeps its own stack) and stops at nesting deeper than <see cref="MaxNesting"/>.
    /// YamlStream builds nodes recursively: 30,000 nested '[' overflow the stack and end the process, which no catch can stop.
    /// </summary>
    private static void CheckNesting(string text, string path, ParseTrace trace)
    {
        var parser = new Parser(new StringReader(text));
        while (parser.MoveNext())
        {
            var ev = parser.Current!;
            trace.LastLine = (int)ev.End.Line;
            if (ev is YamlDotNet.Core.Events.SequenceEnd or YamlDotNet.Core.Events.MappingEnd) { trace.Open.Pop(); continue; }
            if (ev is YamlDotNet.Core.Events.SequenceStart seq) trace.Open.Push(("list", (int)ev.Start.Line, seq.Style == YamlDotNet.Core.Events.SequenceStyle.Flow));
            else if (ev is YamlDotNet.Core.Events.MappingStart map) trace.Open.Push(("mapping", (int)ev.Start.Line, map.Style == YamlDotNet.Core.Events.MappingStyle.Flow));
            else continue;
            if (trace.Open.Count <= MaxNesting) continue;
            var line = ev.Start.Line;
            throw new BertNerException(BertNerErrorKind.InvalidData,
                $"{path}:{line}: lists and mappings are nested more than {MaxNesting} deep; a training config is a flat mapping of keys (learning_rate: 2e-5, ...).",
                $"{path}:{line}");
        }
    }

    /// <summary>How far the parser got: the last event's line and the lists and mappings still open.</summary>
    private sealed class ParseTrace
    {
        public int LastLine = 1;
        public readonly Stack<(string Kind, int Line, bool Flow)> Open = new();

        /// <summary>The innermost '[...]' or '{...}' not closed yet, if any.</summary>
        public (string Kind, int Line)? OpenFlow => Open.Where(o => o.Flow).Select(o => ((string, int)?)(o.Kind, o.Line)).FirstOrDefault();
    }

    private static object? Convert(YamlNode node, TrainingOptionKey key, string where)
    {
        BertNerException Bad(string found) => new(BertNerErrorKind.InvalidArgument,
            $"{where}: '{key.Name}' is {found}; expected {Expected(key)}.", where);

        if (key.Type == typeof(List<string>))
        {
            if (node is YamlScalarNode { Value: null or "" or "~" }) return new List<string>();
            if (node is not YamlSequenceNode seq) throw Bad(Describe(node));
            return seq.Children.Select(c => c is YamlScalarNode s && s.Value != null ? s.Value : throw Bad(Describe(c))).ToList();
        }
        if (node is not YamlScalarNode scalar) throw Bad(Describe(node));
        var text = scalar.Value ?? "";
        bool isNull = scalar.Style == ScalarStyle.Plain && text is "" or "~" or "null" or "Null" or "NULL";
        if (key.Type == typeof(string))
        {
            if (isNull) return key.Name is "output_path" or "device" ? throw Bad("null") : null;
            return text;
        }
        if (isNull) throw Bad("null");
        if (key.Type == typeof(int))
        {
            if (scalar.Style == ScalarStyle.Plain && long.TryParse(text.Replace("_", ""), NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) && l is >= int.MinValue and <= int.MaxValue)
                return (int)l;
            throw Bad(MessageText.Quote(text));
        }
        if (key.Type == typeof(double))
        {
            if (scalar.Style == ScalarStyle.Plain && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
                return d;
            throw Bad(MessageText.Quote(text));
        }
        if (key.Type == typeof(bool))
        {
            if (scalar.Style == ScalarStyle.Plain && text.ToLowerInvariant() is "true" or "false") return text.ToLowerInvariant() == "true";
            throw Bad(MessageText.Quote(text));
        }
        throw new InvalidOperationException("unsupported option type " + key.Type);
    }

    private static string Expected(TrainingOptionKey key) =>
        key.Type == typeof(int) ? "a whole number"
        : key.Type == typeof(double) ? "a number (e.g. 2.0e-5)"
        : key.Type == typeof(bool) ? "true or false"
        : key.Type == typeof(List<string>) ? "a list of labels ([O, B-PER, I-PER])"
        : "a string";

    private static string Describe(YamlNode n) => n switch
    {
        YamlSequenceNode => "a list",
        YamlMappingNode => "a mapping",
        YamlScalarNode s => MessageText.Quote(s.Value ?? ""),
        _ => n.NodeType.ToString(),
    };

    /// <summary>The YAML text of <paramref name="o"/>, one commented key per line.</summary>
    public static string ToYaml(TrainingOptions o, string header)
    {
        var sb = new StringBuilder();
        foreach (var line in header.Split('\n')) sb.Append("# ").AppendLine(line.TrimEnd());
        sb.AppendLine();
        foreach (var key in TrainingOptionKeys.All)
        {
            sb.Append("# ").AppendLine(key.Comment);
            sb.Append(key.Name).Append(": ").AppendLine(Scalar(key.Get(o)));
        }
        return sb.ToString();
    }

    private static string Scalar(object? v) => v switch
    {
        null => "null",
        string s => Quote(s),
        double d => FormatDouble(d),
        bool b => b ? "true" : "false",
        int i => i.ToString(CultureInfo.InvariantCulture),
        IEnumerable<string> l => "[" + string.Join(", ", l.Select(Quote)) + "]",
        _ => Quote(v.ToString() ?? ""),
    };

    // YAML 1.1 readers (PyYAML) only take floats with a dot and a signed exponent: 2.0e-05.
    private static string FormatDouble(double d)
    {
        var s = d.ToString("R", CultureInfo.InvariantCulture);
        if (s.Contains('E'))
        {
            var parts = s.Split('E');
            var mant = parts[0].Contains('.') ? parts[0] : parts[0] + ".0";
            var exp = int.Parse(parts[1], CultureInfo.InvariantCulture);
            return $"{mant}e{(exp < 0 ? "-" : "+")}{Math.Abs(exp):00}";
        }
        return s.Contains('.') ? s : s + ".0";
    }

    // Plain when YAML reads it back as the same string; single-quoted when only quotes need escaping; double-quoted
    // with escapes when it holds line breaks or control characters, which single quotes would fold into spaces.
    private static string Quote(string s)
    {
        if (s.Length > 0 && s.All(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' or '/')
            && !(s is "true" or "false" or "null" or "yes" or "no" or "on" or "off" or "~")
            && !double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
            return s;
        if (!s.Any(c => char.IsControl(c) || c is '\u2028' or '\u2029' or '\uFEFF'))
            return "'" + s.Replace("'", "''") + "'";
        var sb = new StringBuilder("\"");
        foreach (var c in s)
        {
            switch (c)
            {
                case '\\': sb.Append("\\\\"); break;
                case '"': sb.Append("\\\""); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (char.IsControl(c) || c is '\u2028' or '\u2029' or '\uFEFF') sb.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        return sb.Append('"').ToString();
    }

    public static void Save(string path, TrainingOptions o, string header) =>
        IO.AtomicFile.WriteAllText(path, ToYaml(o, header));

    /// <summary>
    /// The options a run starts from, before parameters override single keys: the YAML file at
    /// <paramref name="configPath"/> when given; else, for a resumed run, the configuration the run saved in
    /// <paramref name="resumedRun"/> (a resumed run keeps its settings unless told otherwise); else the defaults.
    /// </summary>
    public static TrainingOptions Starting(string? configPath, string? resumedRun)
    {
        if (configPath != null) return Load(configPath);
        var saved = resumedRun is null ? null : Path.Combine(resumedRun, RunFolder.ConfigFile);
        return saved != null && File.Exists(saved) ? Load(saved) : new TrainingOptions();
    }
}
