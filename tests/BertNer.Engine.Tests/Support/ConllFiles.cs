using System.Text;

namespace BertNer.Tests.Support;

/// <summary>Small CoNLL files written byte for byte, and a raw column reader that shares no code with the engine.</summary>
public static class ConllFiles
{
    /// <summary>Writes <paramref name="lines"/> joined by <paramref name="newline"/> (plus a final one), optionally with a UTF-8 BOM.</summary>
    public static string Write(TempDir dir, string name, string newline, bool bom, params string[] lines)
    {
        var path = dir[name];
        var text = string.Join(newline, lines) + newline;
        File.WriteAllBytes(path, (bom ? new byte[] { 0xEF, 0xBB, 0xBF } : []).Concat(Encoding.UTF8.GetBytes(text)).ToArray());
        return path;
    }

    public static string Write(TempDir dir, string name, params string[] lines) => Write(dir, name, "\n", false, lines);

    /// <summary>
    /// The given columns of each sentence of a space-separated file, skipping -DOCSTART- lines: the test's own
    /// reading, to compare the engine against.
    /// </summary>
    public static List<string[][]> RawColumns(string path, params int[] columns)
    {
        var sentences = new List<string[][]>();
        var current = columns.Select(_ => new List<string>()).ToArray();
        foreach (var line in File.ReadLines(path).Append(""))
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length == 0 || f[0] == "-DOCSTART-")
            {
                if (current[0].Count > 0) sentences.Add(current.Select(c => c.ToArray()).ToArray());
                foreach (var c in current) c.Clear();
                continue;
            }
            for (var i = 0; i < columns.Length; i++)
                current[i].Add(f[columns[i] < 0 ? f.Length + columns[i] : columns[i]]);
        }
        return sentences;
    }
}
