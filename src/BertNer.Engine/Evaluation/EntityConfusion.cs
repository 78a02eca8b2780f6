using BertNer.Data;

namespace BertNer.Evaluation;

/// <summary>
/// Which entity types were predicted for which gold types, counted over whole entities (phrases as conlleval
/// delimits them). A gold entity pairs with the predicted entity that covers exactly the same words:
/// the pair is counted in row gold type, column predicted type, so the diagonal holds the correct entities.
/// A gold entity with no such prediction is missed (column <see cref="None"/>); a predicted entity with no
/// such gold entity is spurious (row <see cref="None"/>). Row sums are therefore the gold counts (conlleval's
/// support) and column sums the predicted counts, per type.
/// </summary>
public sealed class EntityConfusion
{
    /// <summary>The row and column of "no entity here": missed gold entities, spurious predictions.</summary>
    public const string None = "O";

    private readonly Dictionary<(string Gold, string Predicted), int> _counts = new();
    private readonly SortedSet<string> _types = new(StringComparer.Ordinal);

    /// <summary>Counts the validation sentences against one predicted label sequence per sentence (as <see cref="ModelEvaluation.WordPredictions"/> holds them).</summary>
    public static EntityConfusion Count(IReadOnlyList<NerSentence> sentences, IReadOnlyList<IReadOnlyList<string>> predictions)
    {
        if (sentences.Count != predictions.Count)
            throw new BertNerException(BertNerErrorKind.InvalidArgument,
                $"{sentences.Count} sentences but {predictions.Count} predicted label sequences; expected one per sentence.");
        var confusion = new EntityConfusion();
        for (int i = 0; i < sentences.Count; i++) confusion.Add(sentences[i].Labels, predictions[i]);
        return confusion;
    }

    /// <summary>Adds one sentence: its gold tags and the predicted tags (IOB1 or IOB2, one per word).</summary>
    public void Add(IReadOnlyList<string> gold, IReadOnlyList<string> predicted)
    {
        if (gold.Count != predicted.Count)
            throw new BertNerException(BertNerErrorKind.InvalidArgument,
                $"A sentence has {gold.Count} gold labels but {predicted.Count} predicted labels; expected one prediction per word.");
        var predictedByWords = EntitySpan.Find(predicted).ToDictionary(s => (s.Start, s.End));
        foreach (var g in EntitySpan.Find(gold))
        {
            if (predictedByWords.Remove((g.Start, g.End), out var p)) Increment(g.Type, p.Type);
            else Increment(g.Type, None);
        }
        foreach (var p in predictedByWords.Values) Increment(None, p.Type);
    }

    /// <summary>The entity types seen in gold or predicted labels, in ordinal order (without <see cref="None"/>).</summary>
    public IReadOnlyList<string> Types => _types.ToList();

    /// <summary>Entities of gold type <paramref name="gold"/> predicted as <paramref name="predicted"/> (either may be <see cref="None"/>).</summary>
    public int this[string gold, string predicted] => _counts.TryGetValue((gold, predicted), out var n) ? n : 0;

    /// <summary>The largest single count, for shading a rendered matrix.</summary>
    public int MaxCount => _counts.Count == 0 ? 0 : _counts.Values.Max();

    private void Increment(string gold, string predicted)
    {
        if (gold != None) _types.Add(gold);
        if (predicted != None) _types.Add(predicted);
        _counts[(gold, predicted)] = this[gold, predicted] + 1;
    }
}
