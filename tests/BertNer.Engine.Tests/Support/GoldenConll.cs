namespace BertNer.Tests.Support;

/// <summary>Reads a conlleval input file (token gold predicted, blank line between sentences) as raw tags.</summary>
public static class GoldenConll
{
    public static List<(IReadOnlyList<string> Gold, IReadOnlyList<string> Predicted)> Read(string path)
    {
        var sentences = new List<(IReadOnlyList<string>, IReadOnlyList<string>)>();
        List<string> gold = [], predicted = [];
        foreach (var line in File.ReadLines(path).Append(""))
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length == 0)
            {
                if (gold.Count > 0) sentences.Add((gold, predicted));
                (gold, predicted) = ([], []);
                continue;
            }
            Assert.Equal(3, f.Length);
            gold.Add(f[1]);
            predicted.Add(f[2]);
        }
        return sentences;
    }
}
