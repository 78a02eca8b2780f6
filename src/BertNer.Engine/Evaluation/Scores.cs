namespace BertNer.Evaluation;

/// <summary>The score formulas shared by the overall and per-type figures, with conlleval's zero cases.</summary>
internal static class Scores
{
    public static double Ratio(int part, int whole) => whole == 0 ? 0 : (double)part / whole;

    public static double F1(double precision, double recall) =>
        precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
}
