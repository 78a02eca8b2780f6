using BertNer.Data;

namespace BertNer.Tests.Support;

/// <summary>A learnable toy NER set over <see cref="TinyModel.Vocab"/>: people visit places.</summary>
public static class ToyData
{
    private static readonly string[][] People = { new[] { "john", "smith" }, new[] { "angela", "merkel" }, new[] { "zoe" } };
    private static readonly string[] Places = { "paris", "london", "berlin" };

    public static List<NerSentence> Sentences(int count, int seed = 7)
    {
        var rng = new Random(seed);
        var list = new List<NerSentence>();
        for (int i = 0; i < count; i++)
        {
            var tokens = new List<string>();
            var labels = new List<string>();
            void Person()
            {
                var p = People[rng.Next(People.Length)];
                for (int k = 0; k < p.Length; k++) { tokens.Add(p[k]); labels.Add(k == 0 ? "B-PER" : "I-PER"); }
            }
            Person();
            if (rng.Next(2) == 0)
            {
                tokens.Add("visited"); labels.Add("O");
                if (rng.Next(3) == 0) { tokens.Add("the"); labels.Add("O"); }
            }
            else
            {
                tokens.Add("met"); labels.Add("O");
                Person();
                tokens.Add("in"); labels.Add("O");
            }
            tokens.Add(Places[rng.Next(Places.Length)]); labels.Add("B-LOC");
            tokens.Add("."); labels.Add("O");
            list.Add(new NerSentence(tokens, labels) { SentenceIndex = i });
        }
        return list;
    }
}
