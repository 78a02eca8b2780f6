namespace BertNer.Data;

/// <summary>
/// One sentence of a NER dataset: words with gold labels (IOB2), and where it came from.
/// <see cref="PredictedLabels"/> is filled by evaluation/prediction and written as an extra CoNLL column.
/// </summary>
public sealed class NerSentence
{
    public NerSentence(IReadOnlyList<string> tokens, IReadOnlyList<string> labels)
    {
        if (tokens.Count != labels.Count)
            throw new ArgumentException($"A sentence needs one label per token ({tokens.Count} tokens, {labels.Count} labels).");
        Tokens = tokens.ToArray();
        Labels = labels.ToArray();
    }

    public string[] Tokens { get; }

    /// <summary>Gold labels in IOB2.</summary>
    public string[] Labels { get; }

    public string[]? PredictedLabels { get; set; }

    /// <summary>0-based index of the document (-DOCSTART- block) in its file; 0 when the file has none.</summary>
    public int DocumentIndex { get; init; }

    /// <summary>0-based index of the sentence in its file.</summary>
    public int SentenceIndex { get; init; }

    public string? SourceFile { get; init; }

    /// <summary>1-based line number of the sentence's first token in <see cref="SourceFile"/>.</summary>
    public int Line { get; init; }

    public int Count => Tokens.Length;

    /// <summary>The words joined by single spaces (the sentence as raw text).</summary>
    public string Text => string.Join(" ", Tokens);

    public override string ToString() => Text;
}
