using System.Text;

namespace BertNer.Data;

/// <summary>What a CoNLL line is: a sentence break, a document marker, or a token with its columns.</summary>
internal enum ConllLineKind { Blank, DocumentStart, Token }

/// <summary>
/// Reads a CoNLL file line by line and splits each line into columns. UTF-8 with or without BOM
/// (other BOMs are honoured too), LF, CRLF or CR; lines of at most <see cref="ConllReader.MaxLineLength"/> characters. A line with a tab splits at every tab, so an empty
/// column shows as empty; a line without tabs splits at runs of spaces.
/// </summary>
internal sealed class ConllLineReader : IDisposable
{
    public const string DocumentStartToken = "-DOCSTART-";

    private readonly StreamReader _reader;
    private readonly List<Range> _fields = new();
    private readonly char[] _buffer = new char[1 << 16];
    private readonly StringBuilder _pending = new();
    private int _bufferPos, _bufferEnd;
    private bool _skipLineFeed; // the last line ended with '\r': a '\n' right after it belongs to that line end
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
            line = ReadLine();
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

    /// <summary>
    /// StreamReader.ReadLine's rules (LF, CRLF or CR end a line), but a line longer than
    /// <see cref="ConllReader.MaxLineLength"/> is refused as soon as it gets that long, so a binary file or one
    /// without line breaks cannot make the reader hold gigabytes as one string.
    /// </summary>
    private string? ReadLine()
    {
        _pending.Clear();
        bool any = false;
        while (true)
        {
            if (_bufferPos == _bufferEnd)
            {
                _bufferEnd = _reader.Read(_buffer, 0, _buffer.Length);
                _bufferPos = 0;
                if (_bufferEnd == 0) return any ? _pending.ToString() : null;
            }
            if (_skipLineFeed)
            {
                _skipLineFeed = false;
                if (_buffer[_bufferPos] == '\n') { _bufferPos++; continue; }
            }
            any = true;
            var rest = _buffer.AsSpan(_bufferPos, _bufferEnd - _bufferPos);
            int end = rest.IndexOfAny('\r', '\n');
            var piece = end < 0 ? rest : rest[..end];
            if (_pending.Length + piece.Length > ConllReader.MaxLineLength)
                throw new BertNerException(BertNerErrorKind.InvalidData,
                    $"{Path}:{LineNumber + 1}: the line is longer than {ConllReader.MaxLineLength:N0} characters; a CoNLL line holds one token and its labels. " +
                    "Is this a CoNLL file (not a binary file, or text with one sentence per line)?", $"{Path}:{LineNumber + 1}");
            _pending.Append(piece);
            if (end < 0) { _bufferPos = _bufferEnd; continue; }
            _skipLineFeed = rest[end] == '\r';
            _bufferPos += end + 1;
            return _pending.ToString();
        }
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
        for (int b, previous = -1; ; previous = b)
        {
            b = stream.ReadByte();
            if (b == '\n' && previous == '\r') continue; // CRLF: the CR already ended the line
            if (b >= 0 && b != '\n' && b != '\r') { current.WriteByte((byte)b); continue; }
            try { strict.GetCharCount(current.GetBuffer(), 0, (int)current.Length); }
            catch (DecoderFallbackException) { return line; }
            if (b < 0) return line;
            line++;
            current.SetLength(0);
        }
    }

    public void Dispose() => _reader.Dispose();
}
