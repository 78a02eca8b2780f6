namespace BertNer.Data;

/// <summary>
/// Streams the sentences of one CoNLL file as <see cref="NerSentence"/>s with IOB2 labels.
/// Accepts <c>-DOCSTART-</c> lines, any number of blank lines between sentences, two or more columns
/// separated by spaces or tabs, LF, CRLF or CR line ends, UTF-8 with or without BOM, lines up to <see cref="MaxLineLength"/>.
/// </summary>
/// <remarks>
/// Memory stays constant: one sentence is held at a time. With <see cref="TagSchemeKind.Auto"/> the file is
/// read twice: a quick first pass looks only at the label column to decide the scheme (the Auto rule needs
/// the whole file, and a wrong guess would change entity boundaries), the second pass yields sentences.
/// <para>
/// Bad input is never dropped or repaired silently. A sentence with a wrong column count, an empty token
/// or label, or a tag that does not fit the scheme raises a <see cref="BertNerException"/> (InvalidData)
/// whose message names file:line, what was found and what was expected, with Target "file:line".
/// <see cref="Read"/> throws it, or, given a callback, reports it and skips that sentence. Problems with the
/// file as a whole (missing, not UTF-8, too few columns, a column number out of range) always throw.
/// </para>
/// </remarks>
public sealed class ConllReader
{
    /// <summary>The longest line read (1 Mi characters): far beyond any token, short of what could exhaust memory.</summary>
    public const int MaxLineLength = 1 << 20;

    private TagSchemeDetection? _scheme;

    public ConllReader(string path, ConllReaderOptions? options = null)
    {
        Path = path;
        Options = options ?? new ConllReaderOptions();
    }

    public string Path { get; }

    public ConllReaderOptions Options { get; }

    /// <summary>The scheme the labels are read in; with Auto this reads the label column of the whole file once.</summary>
    public TagSchemeDetection ResolveScheme() =>
        _scheme ??= Options.Scheme == TagSchemeKind.Auto ? Detect() : new TagSchemeDetection(Options.Scheme, Declared: true);

    /// <summary>All sentences of a file; throws at the first bad one.</summary>
    public static IEnumerable<NerSentence> ReadFile(string path, ConllReaderOptions? options = null) =>
        new ConllReader(path, options).Read();

    /// <summary>
    /// Streams the sentences. Without <paramref name="onInvalidSentence"/> the first bad sentence throws;
    /// with it, each bad sentence is passed to the callback and skipped, and reading goes on.
    /// Skipped sentences still count in <see cref="NerSentence.SentenceIndex"/>, so indexes match the file.
    /// </summary>
    public IEnumerable<NerSentence> Read(Action<BertNerException>? onInvalidSentence = null)
    {
        var scheme = ResolveScheme();
        using var lines = new ConllLineReader(Path);
        var labels = new StringCache();
        var tokens = new List<string>();
        var tags = new List<string>();
        var tagLines = new List<int>();
        var layout = default(ColumnLayout);
        int document = 0, sentenceIndex = 0, firstLine = 0;
        var documentUsed = false;
        BertNerException? problem = null;

        while (true)
        {
            var more = lines.Next();
            if (!more || lines.Kind != ConllLineKind.Token)
            {
                if (firstLine > 0)
                {
                    var sentence = Complete();
                    if (sentence is not null) yield return sentence;
                }
                if (!more) yield break;
                if (lines.Kind == ConllLineKind.DocumentStart)
                {
                    // Sentences before the first -DOCSTART- form document 0 of their own.
                    if (documentUsed) document++;
                    documentUsed = true;
                }
                continue;
            }

            if (layout.Columns == 0) layout = ColumnLayout.Resolve(lines, Options);
            if (firstLine == 0) { firstLine = lines.LineNumber; documentUsed = true; }
            if (problem is not null) continue; // the rest of a bad sentence is skipped with it
            problem = CheckLine(lines, layout);
            if (problem is not null) continue;
            tokens.Add(lines.ColumnString(layout.Token));
            tags.Add(labels.Get(lines.Column(layout.Label)));
            tagLines.Add(lines.LineNumber);
        }

        NerSentence? Complete()
        {
            NerSentence? sentence = null;
            if (problem is null)
            {
                var iob2 = new string[tags.Count];
                if (TagScheme.TryToIob2(tags, scheme.Scheme, iob2) is { } p)
                    problem = p.Misplaced ? Invalid(tagLines[p.Index], $"{p.Message} Labels are read as {scheme}.")
                        : NotATag(tagLines[p.Index], p.Message, tags[p.Index], layout);
                else
                    sentence = new NerSentence(tokens, iob2)
                    {
                        DocumentIndex = document, SentenceIndex = sentenceIndex, SourceFile = Path, Line = firstLine,
                    };
            }
            sentenceIndex++;
            firstLine = 0;
            tokens.Clear(); tags.Clear(); tagLines.Clear();
            if (problem is { } bad)
            {
                problem = null;
                if (onInvalidSentence is null) throw bad;
                onInvalidSentence(bad);
            }
            return sentence;
        }
    }

    private BertNerException? CheckLine(ConllLineReader lines, ColumnLayout layout)
    {
        if (lines.ColumnCount != layout.Columns)
            return Invalid(lines.LineNumber,
                $"found {lines.ColumnCount} column(s), expected {layout.Columns} as on the first token line (line {layout.FirstLine}). " +
                "Every token line needs the same columns, separated by spaces or tabs; fix the line, or end the sentence with a blank line.");
        var token = lines.Column(layout.Token);
        if (token.IsEmpty)
            return Invalid(lines.LineNumber, $"the token (column {layout.Token}) is empty; expected a word. Fix or remove the line.");
        if (token.IndexOf(' ') >= 0)
            return Invalid(lines.LineNumber,
                $"the token {MessageText.Quote(token)} (column {layout.Token}) contains a space; expected one word per line (sentences are rebuilt by joining tokens with spaces). Split it into one token per line.");
        if (lines.Column(layout.Label).IsEmpty)
            return Invalid(lines.LineNumber, $"the label (column {layout.Label}) is empty; expected O or a tag such as B-PER.");
        return null;
    }

    /// <summary>
    /// A malformed label. When it does not even look like a tag and the file has more than two columns, the labels may
    /// be in another column: the message says which columns hold tags (found once per reader, then reused).
    /// </summary>
    private BertNerException NotATag(int line, string what, string label, ColumnLayout layout)
    {
        if (layout.Columns <= 2 || LooksLikeTag(label)) return Invalid(line, what);
        _tagColumns ??= FindTagColumns(layout);
        var n = layout.Columns;
        var readFrom = $"The labels are read from column {layout.Label}{(layout.Label == n - 1 ? ", the last" : "")} of {n} (counting from 0)";
        var found = _tagColumns.Count switch
        {
            0 => $"{readFrom}, and no other column holds tags on every line.",
            1 => $"{readFrom}, but column {Describe(_tagColumns[0])} holds tags on every line; the labels are probably there.",
            _ => $"{readFrom}, but columns {string.Join(" and ", _tagColumns.Select(Describe))} hold tags on every line; the labels are probably in one of them.",
        };
        var location = $"{Path}:{line}";
        return new ConllLabelColumnException($"{location}: {what} {found}", location, layout.Label, n, _tagColumns.Select(c => c.Column).ToList());

        static string Describe(TagColumn c) => $"{c.Column} ({string.Join(", ", c.Types)}{(c.MoreTypes ? ", …" : "")})";
    }

    private IReadOnlyList<TagColumn>? _tagColumns;

    /// <summary>A column whose values are all O or tags: its number and the first entity types seen in it.</summary>
    private sealed record TagColumn(int Column, List<string> Types)
    {
        public bool MoreTypes { get; set; }
    }

    /// <summary>O, or B-/I-/E-/S- followed by a type: what a label column holds in any of the schemes read.</summary>
    private static bool LooksLikeTag(ReadOnlySpan<char> value) =>
        value is "O" || (value.Length > 2 && value[1] == '-' && value[0] is 'B' or 'I' or 'E' or 'S');

    /// <summary>
    /// The columns (other than the token's and the label's) that hold O or a tag on every token line of the right width,
    /// and at least one entity tag. Looks at the first 100,000 token lines: enough to tell, bounded on huge files.
    /// </summary>
    private List<TagColumn> FindTagColumns(ColumnLayout layout)
    {
        var n = layout.Columns;
        var candidate = new bool[n];
        var columns = new TagColumn[n];
        for (var c = 0; c < n; c++)
        {
            candidate[c] = c != layout.Token && c != layout.Label;
            columns[c] = new TagColumn(c, new List<string>());
        }
        using var lines = new ConllLineReader(Path);
        for (var seen = 0; seen < 100_000 && candidate.Any(x => x) && NextOrStop(lines);)
        {
            if (lines.Kind != ConllLineKind.Token || lines.ColumnCount != n) continue;
            seen++;
            for (var c = 0; c < n; c++)
            {
                if (!candidate[c]) continue;
                var value = lines.Column(c);
                if (!LooksLikeTag(value)) { candidate[c] = false; continue; }
                if (value is "O") continue;
                var type = value[2..];
                var types = columns[c].Types;
                var known = false;
                foreach (var t in types) known |= type.SequenceEqual(t);
                if (known) continue;
                if (types.Count < 4) types.Add(type.ToString());
                else columns[c].MoreTypes = true;
            }
        }
        return columns.Where(c => candidate[c.Column] && c.Types.Count > 0).ToList();

        // A problem further down (bytes that are not UTF-8, an overlong line) ends the look, not the error being explained;
        // the reading pass reports it when it gets there.
        static bool NextOrStop(ConllLineReader lines)
        {
            try { return lines.Next(); }
            catch (BertNerException) { return false; }
        }
    }

    private BertNerException Invalid(int line, string what) =>
        new(BertNerErrorKind.InvalidData, $"{Path}:{line}: {what}", $"{Path}:{line}");

    private TagSchemeDetection Detect()
    {
        using var lines = new ConllLineReader(Path);
        var detector = new TagSchemeDetector();
        var labels = new StringCache();
        var layout = default(ColumnLayout);
        while (!detector.IsDecided && lines.Next())
        {
            if (lines.Kind != ConllLineKind.Token) { detector.EndSentence(); continue; }
            if (layout.Columns == 0) layout = ColumnLayout.Resolve(lines, Options);
            // Malformed lines are reported by the reading pass; here they only must not break the scan.
            if (lines.ColumnCount == layout.Columns)
                detector.Add(labels.Get(lines.Column(layout.Label)), lines.LineNumber);
        }
        return detector.Result();
    }

    /// <summary>Column count of the file (from its first token line) and the resolved token and label columns.</summary>
    private readonly record struct ColumnLayout(int Columns, int Token, int Label, int FirstLine)
    {
        public static ColumnLayout Resolve(ConllLineReader lines, ConllReaderOptions options)
        {
            var n = lines.ColumnCount;
            if (n < 2)
                throw new BertNerException(BertNerErrorKind.InvalidData,
                    $"{lines.Location}: the first token line has 1 column ({MessageText.Quote(lines.Column(0))}); expected at least a token and a label, " +
                    "separated by spaces or tabs. Is this a CoNLL file?", lines.Location);
            var token = Index(options.TokenColumn, "token");
            var label = Index(options.LabelColumn, "label");
            if (token == label)
                throw new BertNerException(BertNerErrorKind.InvalidArgument,
                    $"{lines.Location}: the token column ({options.TokenColumn}) and the label column ({options.LabelColumn}) are both column {token} of {n}. Pick two different columns.",
                    lines.Location);
            return new ColumnLayout(n, token, label, lines.LineNumber);

            int Index(int column, string what)
            {
                var i = column < 0 ? n + column : column;
                if (i < 0 || i >= n)
                    throw new BertNerException(BertNerErrorKind.InvalidArgument,
                        $"{lines.Location}: the file has {n} columns (0 to {n - 1}, or -1 to -{n} from the end), so there is no {what} column {column}. Columns count from 0.",
                        lines.Location);
                return i;
            }
        }
    }

    /// <summary>Returns one shared string per distinct label, so a million O tags cost one string.</summary>
    private sealed class StringCache
    {
        private readonly List<string> _known = new();

        public string Get(ReadOnlySpan<char> text)
        {
            foreach (var s in _known)
                if (text.SequenceEqual(s)) return s;
            var made = text.ToString();
            if (_known.Count < 64) _known.Add(made);
            return made;
        }
    }
}
