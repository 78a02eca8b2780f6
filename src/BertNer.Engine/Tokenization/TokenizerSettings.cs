using System.Text.Json;
using System.Text.Json.Nodes;

namespace BertNer.Tokenization;

/// <summary>The parts of HF's <c>tokenizer_config.json</c> / <c>special_tokens_map.json</c> that change ids.</summary>
public sealed class TokenizerSettings
{
    public bool DoLowerCase { get; set; } = true;
    /// <summary>null = follow DoLowerCase (HF's default), true/false = force.</summary>
    public bool? StripAccents { get; set; }
    public bool TokenizeChineseChars { get; set; } = true;
    public int ModelMaxLength { get; set; } = 512;
    public string UnkToken { get; set; } = "[UNK]";
    public string SepToken { get; set; } = "[SEP]";
    public string PadToken { get; set; } = "[PAD]";
    public string ClsToken { get; set; } = "[CLS]";
    public string MaskToken { get; set; } = "[MASK]";

    public bool StripsAccents => StripAccents ?? DoLowerCase;

    /// <summary>Reads the folder's tokenizer_config.json and special_tokens_map.json; both are optional.</summary>
    public static TokenizerSettings Load(string folder)
    {
        var s = new TokenizerSettings();
        var cfg = ReadObject(Path.Combine(folder, "tokenizer_config.json"));
        if (cfg != null)
        {
            s.DoLowerCase = Bool(cfg, "do_lower_case", true, folder) ?? true;
            s.StripAccents = Bool(cfg, "strip_accents", null, folder);
            s.TokenizeChineseChars = Bool(cfg, "tokenize_chinese_chars", true, folder) ?? true;
            if (cfg["model_max_length"] is JsonValue mv && mv.TryGetValue<double>(out var ml) && ml >= 8)
                s.ModelMaxLength = ml > int.MaxValue ? int.MaxValue : (int)ml; // HF writes 1e30 for "no limit"
            s.ReadSpecials(cfg);
        }
        var map = ReadObject(Path.Combine(folder, "special_tokens_map.json"));
        if (map != null) s.ReadSpecials(map);
        return s;
    }

    private void ReadSpecials(JsonObject o)
    {
        UnkToken = Special(o, "unk_token") ?? UnkToken;
        SepToken = Special(o, "sep_token") ?? SepToken;
        PadToken = Special(o, "pad_token") ?? PadToken;
        ClsToken = Special(o, "cls_token") ?? ClsToken;
        MaskToken = Special(o, "mask_token") ?? MaskToken;
    }

    // A special token is either "[UNK]" or {"content": "[UNK]", ...} (AddedToken form).
    private static string? Special(JsonObject o, string key) => o[key] switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonObject a when a["content"] is JsonValue c && c.GetValueKind() == JsonValueKind.String => c.GetValue<string>(),
        _ => null,
    };

    private static bool? Bool(JsonObject o, string key, bool? dflt, string folder)
    {
        if (!o.TryGetPropertyValue(key, out var v) || v is null) return dflt;
        if (v.GetValueKind() is JsonValueKind.True or JsonValueKind.False) return v.GetValue<bool>();
        throw new BertNerException(BertNerErrorKind.InvalidData,
            $"{Path.Combine(folder, "tokenizer_config.json")}: key '{key}' is {v.ToJsonString()}; expected true, false or null.",
            $"tokenizer_config.json:{key}");
    }

    private static JsonObject? ReadObject(string path)
    {
        if (!File.Exists(path)) return null;
        try
        {
            return StrictJson.Parse(File.ReadAllText(path)) as JsonObject
                ?? throw new BertNerException(BertNerErrorKind.InvalidData, $"'{path}' must hold a JSON object.", path);
        }
        catch (JsonException e)
        {
            throw new BertNerException(BertNerErrorKind.InvalidData, $"'{path}' is not valid JSON: {e.Message}", path, e);
        }
    }

    public void Save(string folder)
    {
        var cfg = new JsonObject
        {
            ["do_lower_case"] = DoLowerCase,
            ["strip_accents"] = StripAccents,
            ["tokenize_chinese_chars"] = TokenizeChineseChars,
            ["do_basic_tokenize"] = true,
            ["model_max_length"] = ModelMaxLength,
            ["tokenizer_class"] = "BertTokenizer",
            ["unk_token"] = UnkToken, ["sep_token"] = SepToken, ["pad_token"] = PadToken,
            ["cls_token"] = ClsToken, ["mask_token"] = MaskToken,
        };
        var map = new JsonObject
        {
            ["unk_token"] = UnkToken, ["sep_token"] = SepToken, ["pad_token"] = PadToken,
            ["cls_token"] = ClsToken, ["mask_token"] = MaskToken,
        };
        var opts = new JsonSerializerOptions { WriteIndented = true };
        IO.AtomicFile.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), cfg.ToJsonString(opts));
        IO.AtomicFile.WriteAllText(Path.Combine(folder, "special_tokens_map.json"), map.ToJsonString(opts));
    }
}
