using System.Globalization;

namespace BertNer.Evaluation;

/// <summary>
/// Entity-level scores of predictions against gold labels, counted exactly as conlleval counts them.
/// Scores are fractions 0..1 (conlleval prints percentages: <see cref="ToConllevalReport"/>).
/// </summary>
public sealed class NerEvaluation
{
    internal NerEvaluation(int sentences, int tokens, int correctTokens, int goldEntities, int predictedEntities,
        int correctEntities, IReadOnlyList<NerTypeScore> perType)
    {
        Sentences = sentences;
        Tokens = tokens;
        CorrectTokens = correctTokens;
        GoldEntities = goldEntities;
        PredictedEntities = predictedEntities;
        CorrectEntities = correctEntities;
        PerType = perType;
    }

    public int Sentences { get; }

    public int Tokens { get; }

    /// <summary>Tokens whose predicted tag equals the gold tag.</summary>
    public int CorrectTokens { get; }

    public int GoldEntities { get; }

    public int PredictedEntities { get; }

    /// <summary>Predicted entities whose type and boundaries both match a gold entity.</summary>
    public int CorrectEntities { get; }

    /// <summary>CorrectEntities / PredictedEntities; 0 when nothing was predicted.</summary>
    public double Precision => Scores.Ratio(CorrectEntities, PredictedEntities);

    /// <summary>CorrectEntities / GoldEntities; 0 when there are no gold entities.</summary>
    public double Recall => Scores.Ratio(CorrectEntities, GoldEntities);

    /// <summary>Harmonic mean of precision and recall; 0 when both are 0.</summary>
    public double F1 => Scores.F1(Precision, Recall);

    /// <summary>Token accuracy: CorrectTokens / Tokens.</summary>
    public double Accuracy => Scores.Ratio(CorrectTokens, Tokens);

    /// <summary>Mean loss over the evaluated data, when the caller computed one (the evaluator itself does not).</summary>
    public double? Loss { get; set; }

    /// <summary>Scores per entity type that occurs in the gold or the predicted labels, types in ordinal order.</summary>
    public IReadOnlyList<NerTypeScore> PerType { get; }

    /// <summary>Unweighted means over <see cref="PerType"/> (a type that was only predicted counts, with recall 0).</summary>
    public double MacroPrecision => Mean(t => t.Precision);

    public double MacroRecall => Mean(t => t.Recall);

    public double MacroF1 => Mean(t => t.F1);

    /// <summary>Means over <see cref="PerType"/> weighted by gold support.</summary>
    public double WeightedPrecision => Weighted(t => t.Precision);

    public double WeightedRecall => Weighted(t => t.Recall);

    public double WeightedF1 => Weighted(t => t.F1);

    /// <summary>The report conlleval.pl prints for the same data, character for character.</summary>
    public string ToConllevalReport() => ConllevalReport.Format(this);

    public override string ToString()
    {
        var text = string.Create(CultureInfo.InvariantCulture,
            $"F1 {F1 * 100:0.00}% (precision {Precision * 100:0.00}%, recall {Recall * 100:0.00}%), accuracy {Accuracy * 100:0.00}%; " +
            $"{GoldEntities:N0} gold, {PredictedEntities:N0} predicted, {CorrectEntities:N0} correct entities");
        return Loss is { } loss ? text + string.Create(CultureInfo.InvariantCulture, $"; loss {loss:0.####}") : text;
    }

    private double Mean(Func<NerTypeScore, double> score) => PerType.Count == 0 ? 0 : PerType.Average(score);

    private double Weighted(Func<NerTypeScore, double> score)
    {
        var support = PerType.Sum(t => t.Support);
        return support == 0 ? 0 : PerType.Sum(t => score(t) * t.Support) / support;
    }
}
