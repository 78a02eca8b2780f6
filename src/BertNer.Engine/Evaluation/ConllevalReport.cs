using System.Globalization;
using System.Text;

namespace BertNer.Evaluation;

/// <summary>Prints an evaluation the way conlleval.pl does, including printf's rounding of the percentages.</summary>
internal static class ConllevalReport
{
    public static string Format(NerEvaluation e)
    {
        var s = new StringBuilder();
        s.Append(CultureInfo.InvariantCulture,
            $"processed {e.Tokens} tokens with {e.GoldEntities} phrases; found: {e.PredictedEntities} phrases; correct: {e.CorrectEntities}.\n");
        if (e.Tokens > 0)
        {
            // conlleval computes 100*a/b from the counts; do the same so the last bit matches too.
            var precision = Percent(e.CorrectEntities, e.PredictedEntities);
            var recall = Percent(e.CorrectEntities, e.GoldEntities);
            s.Append($"accuracy: {Fixed(Percent(e.CorrectTokens, e.Tokens))}%; precision: {Fixed(precision)}%; ");
            s.Append($"recall: {Fixed(recall)}%; FB1: {Fixed(Scores.F1(precision, recall))}\n");
        }
        foreach (var t in e.PerType)
        {
            var precision = Percent(t.Correct, t.Predicted);
            var recall = Percent(t.Correct, t.Support);
            s.Append(t.Type.PadLeft(17)).Append(": ");
            s.Append($"precision: {Fixed(precision)}%; recall: {Fixed(recall)}%; FB1: {Fixed(Scores.F1(precision, recall))}  ");
            s.Append(t.Predicted.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
        return s.ToString();
    }

    private static double Percent(int part, int whole) => whole == 0 ? 0 : 100.0 * part / whole;

    /// <summary>
    /// printf("%6.2f"). .NET's "F2" rounds the exact binary value with ties to even, as glibc's printf
    /// does (3.125 prints as 3.12); a test pins that down.
    /// </summary>
    internal static string Fixed(double value) => value.ToString("F2", CultureInfo.InvariantCulture).PadLeft(6);
}
