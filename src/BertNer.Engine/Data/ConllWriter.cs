using System.Text;
using BertNer.IO;

namespace BertNer.Data;

/// <summary>
/// Writes sentences as a CoNLL file: one token per line as <c>token gold [predicted]</c> separated by single
/// spaces, a blank line after each sentence, and a <c>-DOCSTART-</c> line (with O in every label column)
/// whenever the document changes. UTF-8 without BOM, LF line endings.
/// </summary>
/// <remarks>
/// The file appears whole or not at all (<see cref="AtomicFileWriter"/>): sentences stream into a temporary
/// sibling and <see cref="Commit"/> renames it. The first sentence fixes the columns: if it carries
/// <see cref="NerSentence.PredictedLabels"/> every sentence must, and if it does not none may.
/// </remarks>
public sealed class ConllWriter : IDisposable
{
    private readonly AtomicFileWriter _file;
    private readonly StreamWriter _text;
    private readonly bool _documentStarts;
    private readonly bool _overwrite;
    private bool? _withPredictions;
    private bool _textClosed;
    private (string? File, int Document)? _document;

    /// <param name="documentStarts">Write a -DOCSTART- line before each document (when source file or document index changes).</param>
    /// <param name="overwrite">Replace an existing file; without it an existing file is an error, checked now and again at commit.</param>
    public ConllWriter(string path, bool documentStarts = true, bool overwrite = false)
    {
        if (!overwrite && File.Exists(path))
            throw Exists(System.IO.Path.GetFullPath(path));
        if (Directory.Exists(path))
            throw new BertNerException(BertNerErrorKind.InvalidArgument, $"'{path}' is a folder; give a file path for the CoNLL output.", path);
        _file = new AtomicFileWriter(path, overwrite);
        _text = new StreamWriter(_file.Stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\n" };
        _documentStarts = documentStarts;
        _overwrite = overwrite;
    }

    /// <summary>Full path of the output file.</summary>
    public string Path => _file.Path;

    public int SentencesWritten { get; private set; }

    /// <summary>Writes all sentences to <paramref name="path"/> at once; returns how many were written.</summary>
    public static int WriteFile(string path, IEnumerable<NerSentence> sentences, bool documentStarts = true, bool overwrite = false)
    {
        using var writer = new ConllWriter(path, documentStarts, overwrite);
        foreach (var s in sentences) writer.Write(s);
        writer.Commit();
        return writer.SentencesWritten;
    }

    public void Write(NerSentence sentence)
    {
        var predicted = sentence.PredictedLabels;
        _withPredictions ??= predicted is not null;
        if (_withPredictions != (predicted is not null))
            throw Invalid(sentence, _withPredictions == true
                ? "has no predicted labels, but the first sentence written had them; every line of a CoNLL file needs the same columns. Predict all sentences, or clear PredictedLabels on all."
                : "has predicted labels, but the first sentence written had none; every line of a CoNLL file needs the same columns. Predict all sentences, or clear PredictedLabels on all.");
        if (predicted is not null && predicted.Length != sentence.Count)
            throw Invalid(sentence, $"has {sentence.Count} tokens but {predicted.Length} predicted labels; expected one per token.");
        for (var i = 0; i < sentence.Count; i++)
        {
            CheckField(sentence, "token", sentence.Tokens[i], i);
            CheckField(sentence, "label", sentence.Labels[i], i);
            if (predicted is not null) CheckField(sentence, "predicted label", predicted[i], i);
        }

        var document = (sentence.SourceFile, sentence.DocumentIndex);
        if (_documentStarts && _document != document)
        {
            _text.Write(ConllLineReader.DocumentStartToken);
            _text.WriteLine(predicted is null ? " O" : " O O");
            _text.WriteLine();
        }
        _document = document;

        for (var i = 0; i < sentence.Count; i++)
        {
            _text.Write(sentence.Tokens[i]);
            _text.Write(' ');
            _text.Write(sentence.Labels[i]);
            if (predicted is not null)
            {
                _text.Write(' ');
                _text.Write(predicted[i]);
            }
            _text.WriteLine();
        }
        _text.WriteLine();
        SentencesWritten++;
    }

    /// <summary>Finishes the file and moves it into place.</summary>
    public void Commit()
    {
        // Flushes into the still-open stream. With leaveOpen a StreamWriter flushes on every Dispose,
        // even a second one after the stream is gone, hence the flag.
        _text.Dispose();
        _textClosed = true;
        try
        {
            _file.Commit();
        }
        catch (IOException e) when (!_overwrite && File.Exists(Path))
        {
            throw Exists(Path, e);
        }
    }

    /// <summary>Without <see cref="Commit"/>, drops the temporary file and leaves the target as it was.</summary>
    public void Dispose()
    {
        if (!_textClosed) _text.Dispose();
        _textClosed = true;
        _file.Dispose();
    }

    private static void CheckField(NerSentence sentence, string what, string? value, int index)
    {
        if (string.IsNullOrEmpty(value))
            throw Invalid(sentence, $"has an empty {what} at token {index + 1}; a CoNLL column cannot be empty.");
        foreach (var c in value)
            if (char.IsWhiteSpace(c))
                throw Invalid(sentence, $"has the {what} '{value}' at token {index + 1}, which contains whitespace; CoNLL columns are separated by whitespace, so it could not be read back.");
    }

    private static BertNerException Invalid(NerSentence s, string what)
    {
        var where = s.SourceFile is null ? $"Sentence {s.SentenceIndex}" : $"Sentence {s.SentenceIndex} of {s.SourceFile}:{s.Line}";
        return new BertNerException(BertNerErrorKind.InvalidData, $"{where} {what}", s.SourceFile is null ? null : $"{s.SourceFile}:{s.Line}");
    }

    private static BertNerException Exists(string path, Exception? inner = null) =>
        new(BertNerErrorKind.WriteError, $"'{path}' already exists. Choose another path, or allow overwriting it.", path, inner);
}
