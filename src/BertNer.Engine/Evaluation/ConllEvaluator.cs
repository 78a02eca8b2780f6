using BertNer.Data;

namespace BertNer.Evaluation;

/// <summary>
/// conlleval-exact entity metrics, accumulated one sentence at a time (so training can score as it streams).
/// A port of conlleval.pl (2004-01-26): the same chunk rules (<see cref="ConllChunkRules"/>), the same
/// "correct" bookkeeping, a sentence boundary after every sentence, token accuracy over real tokens only.
/// </summary>
/// <remarks>
/// Works on IOB1 and IOB2 labels (and mixes: gold IOB1 against predicted IOB2 is what conlleval does too).
/// Two Perl truthiness quirks are not reproduced: a type named "0" (Perl reads it as no type) and the
/// empty type being listed twice in the per-type report.
/// </remarks>
public sealed class ConllEvaluator
{
    private readonly Dictionary<string, TypeCounts> _types = new(StringComparer.Ordinal);
    private int _sentences, _tokens, _correctTags, _gold, _found, _correct;

    // conlleval's running state; a blank line between sentences resets the tags to O.
    private bool _inCorrect;
    private string _lastCorrect = "O", _lastCorrectType = "", _lastGuessed = "O", _lastGuessedType = "";

    /// <summary>Scores a whole evaluation set at once.</summary>
    public static NerEvaluation Evaluate(IEnumerable<(IReadOnlyList<string> Gold, IReadOnlyList<string> Predicted)> sentences)
    {
        var evaluator = new ConllEvaluator();
        foreach (var (gold, predicted) in sentences) evaluator.Add(gold, predicted);
        return evaluator.Result();
    }

    /// <summary>Scores sentences that carry <see cref="NerSentence.PredictedLabels"/> against their gold labels.</summary>
    public static NerEvaluation Evaluate(IEnumerable<NerSentence> sentences)
    {
        var evaluator = new ConllEvaluator();
        foreach (var s in sentences) evaluator.Add(s);
        return evaluator.Result();
    }

    public void Add(NerSentence sentence)
    {
        if (sentence.PredictedLabels is null)
            throw new BertNerException(BertNerErrorKind.InvalidArgument,
                $"Sentence {sentence.SentenceIndex}{(sentence.SourceFile is null ? "" : $" of {sentence.SourceFile}:{sentence.Line}")} has no predicted labels to score. Predict it first.",
                sentence.SourceFile is null ? null : $"{sentence.SourceFile}:{sentence.Line}");
        Add(sentence.Labels, sentence.PredictedLabels);
    }

    public void Add(IReadOnlyList<string> gold, IReadOnlyList<string> predicted)
    {
        if (gold.Count != predicted.Count)
            throw new BertNerException(BertNerErrorKind.InvalidArgument,
                $"Sentence {_sentences + 1} has {gold.Count} gold labels but {predicted.Count} predicted labels; expected one prediction per token.");
        for (var i = 0; i < gold.Count; i++)
            Step(gold[i], predicted[i], boundary: false);
        Step("O", "O", boundary: true);
        _sentences++;
    }

    /// <summary>The scores so far. More sentences may be added afterwards.</summary>
    public NerEvaluation Result()
    {
        // conlleval closes a chunk still open at end of input; after a boundary that only happens with odd tags.
        var pending = _inCorrect ? _lastCorrectType : null;
        var perType = _types
            .OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => new NerTypeScore(kv.Key, kv.Value.Gold, kv.Value.Found, kv.Value.Correct + (pending == kv.Key ? 1 : 0)))
            .ToList();
        return new NerEvaluation(_sentences, _tokens, _correctTags, _gold, _found, _correct + (pending is null ? 0 : 1), perType);
    }

    // One line of conlleval's main loop.
    private void Step(string goldTag, string guessedTag, bool boundary)
    {
        var (correct, correctType) = ConllChunkRules.Split(goldTag);
        var (guessed, guessedType) = ConllChunkRules.Split(guessedTag);

        if (_inCorrect)
        {
            var correctEnds = ConllChunkRules.IsChunkEnd(_lastCorrect, correct, _lastCorrectType, correctType);
            var guessedEnds = ConllChunkRules.IsChunkEnd(_lastGuessed, guessed, _lastGuessedType, guessedType);
            if (correctEnds && guessedEnds && _lastGuessedType == _lastCorrectType)
            {
                _inCorrect = false;
                _correct++;
                Type(_lastCorrectType).Correct++;
            }
            else if (correctEnds != guessedEnds || guessedType != correctType)
            {
                _inCorrect = false;
            }
        }

        var correctStarts = ConllChunkRules.IsChunkStart(_lastCorrect, correct, _lastCorrectType, correctType);
        var guessedStarts = ConllChunkRules.IsChunkStart(_lastGuessed, guessed, _lastGuessedType, guessedType);
        if (correctStarts && guessedStarts && guessedType == correctType) _inCorrect = true;
        if (correctStarts)
        {
            _gold++;
            Type(correctType).Gold++;
        }
        if (guessedStarts)
        {
            _found++;
            Type(guessedType).Found++;
        }
        if (!boundary)
        {
            if (correct == guessed && guessedType == correctType) _correctTags++;
            _tokens++;
        }

        (_lastCorrect, _lastCorrectType, _lastGuessed, _lastGuessedType) = (correct, correctType, guessed, guessedType);
    }

    private TypeCounts Type(string type)
    {
        if (!_types.TryGetValue(type, out var counts)) _types[type] = counts = new TypeCounts();
        return counts;
    }

    private sealed class TypeCounts
    {
        public int Gold, Found, Correct;
    }
}
