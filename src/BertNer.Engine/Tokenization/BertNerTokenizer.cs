using Microsoft.ML.Tokenizers;

namespace BertNer.Tokenization;

/// <summary>
/// HF-exact BERT tokenization: our <see cref="BasicTokenizer"/> for words and offsets, then
/// Microsoft.ML.Tokenizers' WordPiece per word. Thread-safe after construction.
/// </summary>
public sealed class BertNerTokenizer
{
    private readonly WordPieceTokenizer _wordPiece;
    private readonly BasicTokenizer _basic;
    private readonly string _vocabPath;
    private const int MaxCharsPerWord = 100; // HF's max_input_chars_per_word

    public TokenizerSettings Settings { get; }
    public int VocabSize { get; }
    public int ClsId { get; }
    public int SepId { get; }
    public int PadId { get; }
    public int UnkId { get; }

    public BertNerTokenizer(string vocabPath, TokenizerSettings settings)
    {
        if (!File.Exists(vocabPath))
            throw new BertNerException(BertNerErrorKind.ObjectNotFound, $"No vocab.txt at '{vocabPath}'. The model folder needs the WordPiece vocabulary it was trained with.", vocabPath);
        _vocabPath = vocabPath;
        Settings = settings;
        var vocab = ReadVocab(vocabPath);
        VocabSize = vocab.Count;
        int Id(string tok, string what) => vocab.TryGetValue(tok, out var id) ? id
            : throw new BertNerException(BertNerErrorKind.InvalidData, $"'{vocabPath}' has no {what} token '{tok}'. Use the vocab.txt that came with the model.", vocabPath);
        ClsId = Id(settings.ClsToken, "CLS");
        SepId = Id(settings.SepToken, "SEP");
        PadId = Id(settings.PadToken, "PAD");
        UnkId = Id(settings.UnkToken, "UNK");
        _wordPiece = WordPieceTokenizer.Create(vocabPath, new WordPieceOptions
        {
            UnknownToken = settings.UnkToken,
            MaxInputCharsPerWord = MaxCharsPerWord,
        });
        _basic = new BasicTokenizer(settings);
    }

    public static BertNerTokenizer FromFolder(string folder) =>
        new(Path.Combine(folder, "vocab.txt"), TokenizerSettings.Load(folder));

    /// <summary>Tokenizes raw text; sub-token offsets index into <paramref name="text"/>.</summary>
    public List<SubToken> TokenizeText(string text)
    {
        var result = new List<SubToken>();
        var words = _basic.Tokenize(text ?? "");
        for (int w = 0; w < words.Count; w++) AddWord(words[w], w, result);
        return result;
    }

    /// <summary>
    /// Tokenizes pre-split words (CoNLL tokens) as HF does with is_split_into_words=True. Offsets index into
    /// the word itself. A word that yields no sub-token (only control chars, say) becomes [UNK], so every
    /// word keeps a prediction slot.
    /// </summary>
    public List<SubToken> TokenizeWords(IReadOnlyList<string> words)
    {
        var result = new List<SubToken>();
        for (int w = 0; w < words.Count; w++)
        {
            int before = result.Count;
            foreach (var bw in _basic.Tokenize(words[w] ?? ""))
                AddWord(bw, w, result, firstOfWord: result.Count == before);
            if (result.Count == before)
                result.Add(new SubToken(UnkId, Settings.UnkToken, w, 0, (words[w] ?? "").Length, true));
        }
        return result;
    }

    private void AddWord(BasicWord word, int wordIndex, List<SubToken> into, bool firstOfWord = true)
    {
        if (CodePoints(word.Text) > MaxCharsPerWord)
        {
            into.Add(new SubToken(UnkId, Settings.UnkToken, wordIndex, word.Start, word.End, firstOfWord));
            return;
        }
        var pieces = _wordPiece.EncodeToTokens(word.Text, out _, considerPreTokenization: false, considerNormalization: false);
        bool unknown = pieces.Count == 0 || pieces.Any(p => p.Id == UnkId);
        if (unknown)
        {
            // HF's WordPiece gives one [UNK] for the whole word when any part fails to match.
            into.Add(new SubToken(UnkId, Settings.UnkToken, wordIndex, word.Start, word.End, firstOfWord));
            return;
        }
        for (int k = 0; k < pieces.Count; k++)
        {
            var (off, len) = pieces[k].Offset.GetOffsetAndLength(word.Text.Length);
            into.Add(new SubToken(pieces[k].Id, pieces[k].Value, wordIndex,
                word.CharStart[off], word.CharEnd[off + len - 1], firstOfWord && k == 0));
        }
    }

    private static int CodePoints(string s)
    {
        int n = 0;
        for (int i = 0; i < s.Length; i++) { if (!char.IsLowSurrogate(s[i])) n++; }
        return n;
    }

    private static Dictionary<string, int> ReadVocab(string path)
    {
        var d = new Dictionary<string, int>(StringComparer.Ordinal);
        int i = 0;
        foreach (var line in File.ReadLines(path))
        {
            var tok = line.TrimEnd('\r', '\n');
            // A repeated token has two ids, and the WordPiece library refuses it with an ArgumentException.
            if (!d.TryAdd(tok, i))
                throw new BertNerException(BertNerErrorKind.InvalidData,
                    $"{path}:{i + 1}: the token {MessageText.Quote(tok)} is already on line {d[tok] + 1}; a WordPiece vocabulary lists each token once. Use the vocab.txt that came with the model.",
                    $"{path}:{i + 1}");
            i++;
        }
        return d;
    }

    /// <summary>Copies the vocabulary and writes the tokenizer settings into a model folder.</summary>
    public void Save(string folder)
    {
        var target = Path.Combine(folder, "vocab.txt");
        if (!string.Equals(Path.GetFullPath(target), Path.GetFullPath(_vocabPath), StringComparison.Ordinal))
            IO.AtomicFile.Write(target, fs => { using var src = File.OpenRead(_vocabPath); src.CopyTo(fs); });
        Settings.Save(folder);
    }
}
