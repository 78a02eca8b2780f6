using System.Globalization;
using System.Text;
using BertNer.Tests.Support;
using BertNer.Tokenization;

namespace BertNer.Tests.Tokenization;

/// <summary>Token ids and word alignment against Hugging Face's BertTokenizer (../shared/golden).</summary>
public class TokenizerGoldenTests
{
    [SkippableFact]
    public void Raw_text_ids_equal_hugging_face_for_every_golden_sentence()
    {
        var golden = SharedAssets.Golden("minilm_reference.json");
        var tok = BertNerTokenizer.FromFolder(SharedAssets.MiniLm);
        int n = 0;
        foreach (var s in golden["sentences"]!.AsArray())
        {
            var text = s!["text"]!.GetValue<string>();
            var ids = new List<long> { tok.ClsId };
            ids.AddRange(tok.TokenizeText(text).Select(t => (long)t.Id));
            ids.Add(tok.SepId);
            Assert.Equal(Json.Longs(s["input_ids"]), ids.ToArray());
            n++;
        }
        Assert.Equal(6, n);
    }

    [SkippableFact]
    public void Pre_split_words_align_like_hugging_face()
    {
        var golden = SharedAssets.Golden("minilm_reference.json");
        var tok = BertNerTokenizer.FromFolder(SharedAssets.MiniLm);
        foreach (var s in golden["sentences"]!.AsArray())
        {
            var words = Json.Strings(s!["words"]);
            var subs = tok.TokenizeWords(words);
            // +1 for [CLS]
            var tokenWord = new int?[subs.Count + 2];
            for (int i = 0; i < subs.Count; i++) tokenWord[i + 1] = subs[i].Word;
            Assert.Equal(Json.NullableInts(s["token_word_index"]), tokenWord);
            var first = Enumerable.Range(0, words.Length).Select(w => (int?)(subs.FindIndex(t => t.Word == w && t.IsFirstOfWord) + 1)).ToArray();
            Assert.Equal(Json.NullableInts(s["word_first_subword_index"]), first);
            Assert.Equal(Json.Longs(s["input_ids"])[1..^1], subs.Select(t => (long)t.Id).ToArray());
        }
    }

    [SkippableFact]
    public void Raw_text_offsets_cover_the_characters_each_token_came_from()
    {
        var golden = SharedAssets.Golden("minilm_reference.json");
        var tok = BertNerTokenizer.FromFolder(SharedAssets.MiniLm);
        foreach (var s in golden["sentences"]!.AsArray())
        {
            var text = s!["text"]!.GetValue<string>();
            foreach (var t in tok.TokenizeText(text))
            {
                Assert.InRange(t.Start, 0, text.Length);
                Assert.InRange(t.End, t.Start + 1, text.Length);
                if (t.Id == tok.UnkId) continue;
                var piece = t.Text.StartsWith("##") ? t.Text[2..] : t.Text;
                Assert.Equal(piece, Fold(text[t.Start..t.End]));
            }
        }
    }

    [SkippableFact]
    public void Emoji_and_cjk_offsets_do_not_drift()
    {
        var tok = BertNerTokenizer.FromFolder(SharedAssets.MiniLm);
        const string text = "in Tokyo (東京) 🚀 yesterday.";
        var toks = tok.TokenizeText(text);
        var yesterday = toks.Single(t => t.Text == "yesterday");
        Assert.Equal("yesterday", text[yesterday.Start..yesterday.End]);
        Assert.Equal(17, yesterday.Start);
        var rocket = toks.Single(t => t.Id == tok.UnkId);
        Assert.Equal("🚀", text[rocket.Start..rocket.End]);
        Assert.Equal(new[] { "東", "京" }, toks.Where(t => t.Text is "東" or "京").Select(t => text[t.Start..t.End]));
    }

    // What the uncased model's normalization does to a span: lower-case and strip accents.
    private static string Fold(string s)
    {
        var d = s.ToLowerInvariant().Normalize(NormalizationForm.FormD);
        return new string(d.Where(c => CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark).ToArray());
    }
}
