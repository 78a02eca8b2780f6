using System.Text;

namespace BertNer.Data;

/// <summary>What a CoNLL line is: a sentence break, a document marker, or a token with its columns.</summary>
internal enum ConllLineKind { Blank, DocumentStart, Token }

/// <summary>
/// Reads a CoNLL file line by line and splits each line into columns. UTF-8 with or without BOM
/// (other BOMs are honoured too), LF or CRLF. A line with a tab splits at every tab, so an empty
/// column shows as empty; a line without tabs splits at runs of spaces.
/// </summary>
internal sealed class ConllLineReader : IDisposable
{
    public const string DocumentStartToken = "-DOCSTART-";

    private readonly StreamReader _reader;
    private readonly List<Range> _fields = new();
    private string _line = "";

    public ConllLineReader(string path)
    {
        Path = path;
        try
        {
            var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
            // Invalid bytes throw instead of becoming U+FFFD: a mis-encoded file must not turn into silent garbage tokens.
            _reader = new StreamReader(stream, new UTF8Encoding(false, throwOnInvalidBytes: true), detectEncodingFromByteOrderMarks: true, 1 << 16);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new BertNerException(BertNerErrorKind.ObjectNotFound,
                $"No CoNLL file at '{path}'. Check the path and the file name.", path, e);
        }
        catch (UnauthorizedAccessException e) when (Directory.Exists(path))
        {
            throw new BertNerException(BertNerErrorKind.InvalidArgument,
                $"'{path}' is a folder, not a CoNLL file. Pass the files in it, e.g. '{System.IO.Path.Combine(path, "*.txt")}'.", path, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BertNerException(BertNerErrorKind.ResourceUnavailable, $"Cannot open '{path}': {e.Message}", path, e);
        }
    }

    public string Path { get; }

    /// <summary>1-based number of the current line.</summary>
    public int LineNumber { get; private set; }

    public ConllLineKind Kind { get; private set; }

    public int ColumnCount => _fields.Count;

    public ReadOnlySpan<char> Column(int index) => _line.AsSpan()[_fields[index]];

    public string ColumnString(int index) => _line[_fields[index]];

    /// <summary>"file:line" for messages and error targets.</summary>
    public string Location => $"{Path}:{LineNumber}";

    public bool Next()
    {
        string? line;
        try
        {
            line = _reader.ReadLine();
        }
        catch (DecoderFallbackException e)
        {
            var bad = FirstLineWithInvalidUtf8(Path);
            throw new BertNerException(BertNerErrorKind.InvalidData,
                $"{Path}:{bad}: the file is not valid UTF-8 (found the bytes {(e.BytesUnknown is { } b ? Convert.ToHexString(b) : "?")}). " +
                "Convert it to UTF-8 first (for a Latin-1 file, e.g. iconv -f latin1 -t utf-8).",
                $"{Path}:{bad}", e);
        }
        if (line is null) return false;
        LineNumber++;
        _line = line;
        Split(line, _fields);
        Kind = _fields.Count == 0 ? ConllLineKind.Blank
            : Column(0).SequenceEqual(DocumentStartToken) ? ConllLineKind.DocumentStart
            : ConllLineKind.Token;
        return true;
    }

    private static void Split(string line, List<Range> fields)
    {
        fields.Clear();
        if (line.Contains('\t'))
        {
            var start = 0;
            for (var i = 0; i <= line.Length; i++)
            {
                if (i < line.Length && line[i] != '\t') continue;
                fields.Add(Trim(line, start, i));
                start = i + 1;
            }
            // A line of tabs and spaces only is a blank line, not a row of empty columns.
            foreach (var f in fields)
                if (line.AsSpan()[f].Length > 0) return;
            fields.Clear();
            return;
        }
        for (var i = 0; i < line.Length;)
        {
            while (i < line.Length && line[i] == ' ') i++;
            var start = i;
            while (i < line.Length && line[i] != ' ') i++;
            if (i > start) fields.Add(start..i);
        }
    }

    private static Range Trim(string line, int start, int end)
    {
        while (start < end && line[start] == ' ') start++;
        while (end > start && line[end - 1] == ' ') end--;
        return start..end;
    }

    /// <summary>Error path only: rescans the file to name the exact line with the bad bytes.</summary>
    private static int FirstLineWithInvalidUtf8(string path)
    {
        var strict = new UTF8Encoding(false, throwOnInvalidBytes: true);
        using var stream = new BufferedStream(File.OpenRead(path), 1 << 16);
        var current = new MemoryStream();
        var line = 1;
        for (int b; ; )
        {
            b = stream.ReadByte();
            if (b >= 0 && b != '\n') { current.WriteByte((byte)b); continue; }
            try { strict.GetCharCount(current.GetBuffer(), 0, (int)current.Length); }
            catch (DecoderFallbackException) { return line; }
            if (b < 0) return line;
            line++;
            current.SetLength(0);
        }
    }

    public void Dispose() => _reader.Dispose();
}
