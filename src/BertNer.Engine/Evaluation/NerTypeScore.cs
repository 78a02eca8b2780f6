namespace BertNer.Evaluation;

/// <summary>Entity scores of one type, as conlleval prints them per type (fractions 0..1, not percentages).</summary>
/// <param name="Support">Gold entities of this type.</param>
/// <param name="Predicted">Predicted entities of this type (conlleval's "found").</param>
/// <param name="Correct">Predicted entities whose type and boundaries both match a gold entity.</param>
public sealed record NerTypeScore(string Type, int Support, int Predicted, int Correct)
{
    /// <summary>Correct / Predicted; 0 when nothing was predicted.</summary>
    public double Precision => Scores.Ratio(Correct, Predicted);

    /// <summary>Correct / Support; 0 when there is no gold entity of this type.</summary>
    public double Recall => Scores.Ratio(Correct, Support);

    /// <summary>Harmonic mean of precision and recall; 0 when both are 0.</summary>
    public double F1 => Scores.F1(Precision, Recall);
}
