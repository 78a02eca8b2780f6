using BertNer.Data;
using BertNer.Modeling;
using BertNer.Tokenization;

namespace BertNer.Features;

/// <summary>Turns NerSentences into model inputs once, so every epoch reuses the tokenization.</summary>
public sealed class SentenceEncoder(BertNerTokenizer tokenizer, LabelMap labels, bool labelAllSubtokens, int maxLength)
{
    /// <summary>Sentences longer than max_length (they were truncated).</summary>
    public int Truncated { get; private set; }

    public List<EncodedSentence> EncodeAll(IReadOnlyList<NerSentence> sentences, bool withLabels = true)
    {
        var list = new List<EncodedSentence>(sentences.Count);
        for (int i = 0; i < sentences.Count; i++) list.Add(Encode(sentences[i], i, withLabels));
        return list;
    }

    public EncodedSentence Encode(NerSentence s, int index, bool withLabels = true)
    {
        var subs = tokenizer.TokenizeWords(s.Tokens);
        int keep = Math.Min(subs.Count, maxLength - 2);
        if (keep < subs.Count) Truncated++;
        var ids = new long[keep + 2];
        var labelIds = new long[keep + 2];
        var starts = Enumerable.Repeat(-1, s.Tokens.Length).ToArray();
        ids[0] = tokenizer.ClsId;
        ids[^1] = tokenizer.SepId;
        labelIds[0] = labelIds[^1] = BertForTokenClassification.IgnoreIndex;
        for (int k = 0; k < keep; k++)
        {
            var t = subs[k];
            ids[k + 1] = t.Id;
            if (t.IsFirstOfWord) starts[t.Word] = k + 1;
            if (!withLabels) { labelIds[k + 1] = BertForTokenClassification.IgnoreIndex; continue; }
            var label = s.Labels[t.Word];
            if (!labels.Contains(label))
                throw new BertNerException(BertNerErrorKind.InvalidData,
                    $"{Where(s)}: label '{label}' is not one of the model's labels ({string.Join(", ", labels.Labels)}). Train with a label list that includes it (labels: in the YAML) or fix the data.",
                    Where(s));
            int id = labels[label];
            labelIds[k + 1] = t.IsFirstOfWord ? id : labelAllSubtokens ? labels.ContinuationOf(id) : BertForTokenClassification.IgnoreIndex;
        }
        return new EncodedSentence { InputIds = ids, LabelIds = labelIds, WordStarts = starts, Index = index };
    }

    private static string Where(NerSentence s) => s.SourceFile is null ? $"sentence {s.SentenceIndex}" : $"{s.SourceFile}:{s.Line}";
}
