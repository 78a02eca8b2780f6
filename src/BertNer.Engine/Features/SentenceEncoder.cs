using BertNer.Data;
using BertNer.Modeling;
using BertNer.Tokenization;

namespace BertNer.Features;

/// <summary>
/// Turns NerSentences into model inputs once, so every epoch reuses the tokenization. With
/// <paramref name="documentContext"/> &gt; 0 each sentence is read between up to that many sub-tokens of the
/// sentences before and after it in the same document (docs/design.md, "Document context").
/// </summary>
public sealed class SentenceEncoder(BertNerTokenizer tokenizer, LabelMap labels, bool labelAllSubtokens, int maxLength, int documentContext = 0)
{
    /// <summary>Sentences longer than max_length (they were truncated).</summary>
    public int Truncated { get; private set; }

    /// <summary>Sub-tokens of context asked for on each side (0 = each sentence alone).</summary>
    public int DocumentContext => documentContext;

    public List<EncodedSentence> EncodeAll(IReadOnlyList<NerSentence> sentences, bool withLabels = true)
    {
        var list = new List<EncodedSentence>(sentences.Count);
        if (documentContext <= 0)
        {
            for (int i = 0; i < sentences.Count; i++) list.Add(Encode(sentences[i], i, withLabels));
            return list;
        }
        // Tokenized once up front: every sentence is also its neighbours' context.
        var subs = sentences.Select(s => tokenizer.TokenizeWords(s.Tokens)).ToList();
        for (int i = 0; i < sentences.Count; i++)
            list.Add(Encode(sentences[i], subs[i], i, withLabels, LeftContext(sentences, subs, i), RightContext(sentences, subs, i)));
        return list;
    }

    /// <summary>One sentence on its own (no document context).</summary>
    public EncodedSentence Encode(NerSentence s, int index, bool withLabels = true) =>
        Encode(s, tokenizer.TokenizeWords(s.Tokens), index, withLabels, Array.Empty<long>(), Array.Empty<long>());

    /// <summary>Neighbours are the sentences next to each other in the list that come from the same file and -DOCSTART- block.</summary>
    public static bool SameDocument(NerSentence a, NerSentence b) =>
        a.DocumentIndex == b.DocumentIndex && string.Equals(a.SourceFile, b.SourceFile, StringComparison.Ordinal);

    // The last documentContext sub-token ids before sentence i in its document (the end nearest to it).
    private long[] LeftContext(IReadOnlyList<NerSentence> sentences, List<List<SubToken>> subs, int i)
    {
        var ids = new List<long>(documentContext);
        for (int j = i - 1; j >= 0 && ids.Count < documentContext && SameDocument(sentences[j], sentences[i]); j--)
            for (int k = subs[j].Count - 1; k >= 0 && ids.Count < documentContext; k--)
                ids.Add(subs[j][k].Id);
        ids.Reverse();
        return ids.ToArray();
    }

    // The first documentContext sub-token ids after sentence i in its document (the start nearest to it).
    private long[] RightContext(IReadOnlyList<NerSentence> sentences, List<List<SubToken>> subs, int i)
    {
        var ids = new List<long>(documentContext);
        for (int j = i + 1; j < sentences.Count && ids.Count < documentContext && SameDocument(sentences[j], sentences[i]); j++)
            for (int k = 0; k < subs[j].Count && ids.Count < documentContext; k++)
                ids.Add(subs[j][k].Id);
        return ids.ToArray();
    }

    /// <summary>
    /// How much context fits: the sentence's own sub-tokens come first, the rest of max_length is shared between the
    /// sides (half each, the left taking the odd one; a side that needs less leaves the rest to the other).
    /// </summary>
    public static (int Left, int Right) SplitBudget(int budget, int leftWanted, int rightWanted)
    {
        budget = Math.Max(0, budget);
        int left = Math.Min(leftWanted, Math.Max(budget - budget / 2, budget - rightWanted));
        int right = Math.Min(rightWanted, budget - left);
        return (left, right);
    }

    private EncodedSentence Encode(NerSentence s, List<SubToken> subs, int index, bool withLabels, long[] leftPool, long[] rightPool)
    {
        int keep = Math.Min(subs.Count, maxLength - 2);
        if (keep < subs.Count) Truncated++;
        var (left, right) = SplitBudget(maxLength - 2 - keep, leftPool.Length, rightPool.Length);
        var ids = new long[left + keep + right + 2];
        var labelIds = new long[ids.Length];
        Array.Fill(labelIds, BertForTokenClassification.IgnoreIndex); // [CLS], [SEP] and context: never labelled
        var starts = Enumerable.Repeat(-1, s.Tokens.Length).ToArray();
        ids[0] = tokenizer.ClsId;
        ids[^1] = tokenizer.SepId;
        Array.Copy(leftPool, leftPool.Length - left, ids, 1, left);
        Array.Copy(rightPool, 0, ids, 1 + left + keep, right);
        int at = 1 + left;
        for (int k = 0; k < keep; k++)
        {
            var t = subs[k];
            ids[at + k] = t.Id;
            if (t.IsFirstOfWord) starts[t.Word] = at + k;
            if (!withLabels) continue;
            var label = s.Labels[t.Word];
            if (!labels.Contains(label))
                throw new BertNerException(BertNerErrorKind.InvalidData,
                    $"{Where(s)}: label '{label}' is not one of the model's labels ({string.Join(", ", labels.Labels)}). Train with a label list that includes it (labels: in the YAML) or fix the data.",
                    Where(s));
            int id = labels[label];
            labelIds[at + k] = t.IsFirstOfWord ? id : labelAllSubtokens ? labels.ContinuationOf(id) : BertForTokenClassification.IgnoreIndex;
        }
        return new EncodedSentence { InputIds = ids, LabelIds = labelIds, WordStarts = starts, Index = index, ContextLeft = left, ContextRight = right };
    }

    private static string Where(NerSentence s) => s.SourceFile is null ? $"sentence {s.SentenceIndex}" : $"{s.SourceFile}:{s.Line}";
}
