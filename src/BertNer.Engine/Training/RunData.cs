using BertNer.Data;

namespace BertNer.Training;

/// <summary>
/// Where a run's sentences can be read again. Resume and a re-run read train_path/validation_path from the run's
/// config.yaml, so sentences that came as objects are recorded by path: their file when they are exactly one whole
/// file, else a copy written into the run folder (a subset, several files or sentences made in memory).
/// </summary>
public static class RunData
{
    public const string TrainFile = "train.conll";
    public const string ValidationFile = "validation.conll";

    /// <summary>Names of the CoNLL files a run folder may hold (-Force removes only what a run wrote).</summary>
    public static readonly IReadOnlyList<string> Files = new[] { TrainFile, ValidationFile };

    /// <summary>How the sentences were recorded: the path to read them from, and whether it is a copy in the run folder.</summary>
    public readonly record struct Recorded(string Path, bool IsCopy);

    public static Recorded Record(IReadOnlyList<NerSentence> sentences, string runFolder, string fileName)
    {
        if (WholeFile(sentences) is { } file) return new Recorded(file, false);
        var copy = System.IO.Path.Combine(runFolder, fileName);
        // Only the gold columns: a predicted-label column would be read back as the gold one.
        ConllWriter.WriteFile(copy, sentences.Select(s => new NerSentence(s.Tokens, s.Labels)
            { SourceFile = s.SourceFile, DocumentIndex = s.DocumentIndex }), documentStarts: true, overwrite: true);
        return new Recorded(copy, true);
    }

    /// <summary>
    /// The file the sentences are, whole and in order, when reading it again gives exactly them; null when they are a
    /// subset, come from several files, were changed or made in memory, or the file is gone or changed since.
    /// </summary>
    public static string? WholeFile(IReadOnlyList<NerSentence> sentences)
    {
        if (sentences.Count == 0 || sentences[0].SourceFile is not { Length: > 0 } file || !File.Exists(file)) return null;
        for (int i = 0; i < sentences.Count; i++)
            if (sentences[i].SourceFile != file || sentences[i].SentenceIndex != i) return null;
        try
        {
            int n = 0;
            foreach (var s in ConllReader.ReadFile(file))
            {
                if (n >= sentences.Count) return null;
                var mine = sentences[n++];
                if (!s.Tokens.AsSpan().SequenceEqual(mine.Tokens) || !s.Labels.AsSpan().SequenceEqual(mine.Labels)) return null;
            }
            return n == sentences.Count ? file : null;
        }
        catch (Exception e) when (e is BertNerException or IOException or UnauthorizedAccessException)
        {
            return null; // read with options the defaults do not reproduce: not expressible by the path alone
        }
    }
}
