using System.Text.Json;
using System.Text.Json.Nodes;

namespace BertNer.Modeling;

/// <summary>
/// The Hugging Face <c>config.json</c> of a BERT model. Keys and defaults follow transformers' BertConfig;
/// keys this engine does not use are kept in <see cref="Extra"/> so a saved config loses nothing.
/// </summary>
public sealed class BertConfig
{
    public int VocabSize { get; set; } = 30522;
    public int HiddenSize { get; set; } = 768;
    public int NumHiddenLayers { get; set; } = 12;
    public int NumAttentionHeads { get; set; } = 12;
    public int IntermediateSize { get; set; } = 3072;
    public string HiddenAct { get; set; } = "gelu";
    public double HiddenDropoutProb { get; set; } = 0.1;
    public double AttentionProbsDropoutProb { get; set; } = 0.1;
    public int MaxPositionEmbeddings { get; set; } = 512;
    public int TypeVocabSize { get; set; } = 2;
    public double InitializerRange { get; set; } = 0.02;
    public double LayerNormEps { get; set; } = 1e-12;
    public int PadTokenId { get; set; }
    public double? ClassifierDropout { get; set; }
    public string PositionEmbeddingType { get; set; } = "absolute";
    public string ModelType { get; set; } = "bert";
    public List<string> Architectures { get; set; } = new();

    /// <summary>Label names by id (id2label), empty for a plain encoder.</summary>
    public List<string> Labels { get; set; } = new();

    /// <summary>
    /// Sub-tokens of document context on each side the model was fine-tuned with (0 = none); config.json key
    /// <see cref="DocumentContextKey"/>, written only when set, so prediction encodes as training did.
    /// </summary>
    public int DocumentContext { get; set; }

    /// <summary>BertNer's own config.json key for <see cref="DocumentContext"/> (transformers ignores unknown keys).</summary>
    public const string DocumentContextKey = "bertner_document_context";

    /// <summary>Keys of config.json this engine does not interpret, written back unchanged on save.</summary>
    public JsonObject Extra { get; set; } = new();

    public int HeadDim => HiddenSize / NumAttentionHeads;

    /// <summary>
    /// How many weights the encoder of this config has (embeddings and layers; no pooler, no classifier head),
    /// computed without building it, so a config can be checked against its weights before anything is allocated.
    /// Saturates at <see cref="long.MaxValue"/> for absurd configs.
    /// </summary>
    public long EncoderWeightCount
    {
        get
        {
            double h = HiddenSize, i = IntermediateSize;
            double embeddings = ((double)VocabSize + MaxPositionEmbeddings + TypeVocabSize + 2) * h; // + LayerNorm
            double layer = 4 * h * h + 2 * h * i + 9 * h + i; // Q, K, V, output; two LayerNorms; feed-forward
            double total = embeddings + NumHiddenLayers * layer;
            return total >= long.MaxValue ? long.MaxValue : (long)total;
        }
    }

    private static readonly HashSet<string> Known = new(StringComparer.Ordinal)
    {
        "vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size", "hidden_act",
        "hidden_dropout_prob", "attention_probs_dropout_prob", "max_position_embeddings", "type_vocab_size",
        "initializer_range", "layer_norm_eps", "pad_token_id", "classifier_dropout", "position_embedding_type",
        "model_type", "architectures", "id2label", "label2id", "num_labels", DocumentContextKey,
    };

    public static BertConfig Load(string path)
    {
        if (!File.Exists(path))
            throw new BertNerException(BertNerErrorKind.ObjectNotFound,
                $"No config.json at '{path}'. A model folder in Hugging Face layout needs config.json, vocab.txt and model.safetensors (or pytorch_model.bin).", path);
        JsonNode? root;
        try
        {
            root = StrictJson.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is long l ? $"{path}:{l + 1}" : path;
            throw new BertNerException(BertNerErrorKind.InvalidData, $"'{where}' is not valid JSON: {e.Message} Fix or re-download the file.", where, e);
        }
        if (root is not JsonObject obj)
            throw new BertNerException(BertNerErrorKind.InvalidData, $"'{path}' must hold a JSON object of BERT settings, found {root?.GetValueKind().ToString() ?? "null"}.", path);
        return FromJson(obj, path);
    }

    public static BertConfig FromJson(JsonObject obj, string source = "config.json")
    {
        var r = new Reader(obj, source);
        var c = new BertConfig
        {
            VocabSize = r.Int("vocab_size", 30522, min: 1),
            HiddenSize = r.Int("hidden_size", 768, min: 1),
            NumHiddenLayers = r.Int("num_hidden_layers", 12, min: 1),
            NumAttentionHeads = r.Int("num_attention_heads", 12, min: 1),
            IntermediateSize = r.Int("intermediate_size", 3072, min: 1),
            HiddenAct = r.String("hidden_act", "gelu", "gelu", "relu", "gelu_new", "gelu_pytorch_tanh", "tanh"),
            HiddenDropoutProb = r.Double("hidden_dropout_prob", 0.1, 0, 1),
            AttentionProbsDropoutProb = r.Double("attention_probs_dropout_prob", 0.1, 0, 1),
            MaxPositionEmbeddings = r.Int("max_position_embeddings", 512, min: 3),
            TypeVocabSize = r.Int("type_vocab_size", 2, min: 1),
            InitializerRange = r.Double("initializer_range", 0.02, 0, 10),
            LayerNormEps = r.Double("layer_norm_eps", 1e-12, 0, 1),
            PadTokenId = r.Int("pad_token_id", 0, min: 0),
            ClassifierDropout = r.NullableDouble("classifier_dropout", 0, 1),
            PositionEmbeddingType = r.String("position_embedding_type", "absolute", "absolute"),
            ModelType = r.String("model_type", "bert"),
            Architectures = r.StringList("architectures"),
            Labels = r.Labels(),
            DocumentContext = r.Int(DocumentContextKey, 0, min: 0),
        };
        if (c.HiddenSize % c.NumAttentionHeads != 0)
            throw new BertNerException(BertNerErrorKind.InvalidData,
                $"{source}: hidden_size ({c.HiddenSize}) must be a multiple of num_attention_heads ({c.NumAttentionHeads}).", $"{source}:hidden_size");
        if (c.PadTokenId >= c.VocabSize)
            throw new BertNerException(BertNerErrorKind.InvalidData,
                $"{source}: pad_token_id ({c.PadTokenId}) must be below vocab_size ({c.VocabSize}).", $"{source}:pad_token_id");
        foreach (var (k, v) in obj)
            if (!Known.Contains(k)) c.Extra[k] = v?.DeepClone();
        return c;
    }

    public JsonObject ToJson()
    {
        var o = new JsonObject();
        foreach (var (k, v) in Extra) o[k] = v?.DeepClone();
        o["architectures"] = new JsonArray(Architectures.Select(a => (JsonNode)JsonValue.Create(a)!).ToArray());
        o["attention_probs_dropout_prob"] = AttentionProbsDropoutProb;
        if (DocumentContext > 0) o[DocumentContextKey] = DocumentContext;
        o["classifier_dropout"] = ClassifierDropout;
        o["hidden_act"] = HiddenAct;
        o["hidden_dropout_prob"] = HiddenDropoutProb;
        o["hidden_size"] = HiddenSize;
        if (Labels.Count > 0)
        {
            var id2 = new JsonObject();
            var l2 = new JsonObject();
            for (int i = 0; i < Labels.Count; i++) { id2[i.ToString()] = Labels[i]; l2[Labels[i]] = i; }
            o["id2label"] = id2;
            o["label2id"] = l2;
        }
        o["initializer_range"] = InitializerRange;
        o["intermediate_size"] = IntermediateSize;
        o["layer_norm_eps"] = LayerNormEps;
        o["max_position_embeddings"] = MaxPositionEmbeddings;
        o["model_type"] = ModelType;
        o["num_attention_heads"] = NumAttentionHeads;
        o["num_hidden_layers"] = NumHiddenLayers;
        o["pad_token_id"] = PadTokenId;
        o["position_embedding_type"] = PositionEmbeddingType;
        o["type_vocab_size"] = TypeVocabSize;
        o["vocab_size"] = VocabSize;
        return o;
    }

    public BertConfig Clone() => FromJson(ToJson());

    /// <summary>Reads typed values with errors that name the key, the value found and what is allowed.</summary>
    private sealed class Reader(JsonObject obj, string source)
    {
        private BertNerException Bad(string key, JsonNode? v, string expected) =>
            new(BertNerErrorKind.InvalidData,
                $"{source}: key '{key}' has {Show(v)}; expected {expected}. Fix config.json (compare with the model's original config).",
                $"{source}:{key}");

        private static string Show(JsonNode? v) => v is null ? "null" : $"{v.GetValueKind().ToString().ToLowerInvariant()} {MessageText.Shorten(v.ToJsonString())}";

        // Works for parsed JSON and for values set from .NET numbers of any type.
        private static bool TryNumber(JsonNode? v, out double d)
        {
            d = 0;
            return v is JsonValue jv && jv.GetValueKind() == JsonValueKind.Number
                && double.TryParse(jv.ToJsonString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out d);
        }

        public int Int(string key, int dflt, int min)
        {
            if (!obj.TryGetPropertyValue(key, out var v)) return dflt;
            if (TryNumber(v, out var d) && d == Math.Floor(d) && d >= min && d <= int.MaxValue)
                return (int)d;
            throw Bad(key, v, $"a whole number ≥ {min}");
        }

        public double Double(string key, double dflt, double min, double max)
        {
            if (!obj.TryGetPropertyValue(key, out var v)) return dflt;
            if (TryNumber(v, out var d) && d >= min && d <= max && double.IsFinite(d))
                return d;
            throw Bad(key, v, $"a number from {min} to {max}");
        }

        public double? NullableDouble(string key, double min, double max)
        {
            if (!obj.TryGetPropertyValue(key, out var v) || v is null) return null;
            return Double(key, 0, min, max);
        }

        public string String(string key, string dflt, params string[] allowed)
        {
            if (!obj.TryGetPropertyValue(key, out var v)) return dflt;
            if (v is JsonValue jv && jv.GetValueKind() == JsonValueKind.String)
            {
                var s = jv.GetValue<string>();
                if (allowed.Length == 0 || allowed.Contains(s)) return s;
            }
            throw Bad(key, v, allowed.Length == 0 ? "a string" : "one of " + string.Join(", ", allowed.Select(a => $"\"{a}\"")));
        }

        public List<string> StringList(string key)
        {
            if (!obj.TryGetPropertyValue(key, out var v) || v is null) return new();
            if (v is JsonArray a && a.All(x => x is JsonValue xv && xv.GetValueKind() == JsonValueKind.String))
                return a.Select(x => x!.GetValue<string>()).ToList();
            throw Bad(key, v, "a list of strings");
        }

        public List<string> Labels()
        {
            if (!obj.TryGetPropertyValue("id2label", out var v) || v is null) return new();
            if (v is not JsonObject map) throw Bad("id2label", v, "an object mapping \"0\", \"1\", ... to label names");
            var byId = new SortedDictionary<int, string>();
            foreach (var (k, lv) in map)
            {
                if (!int.TryParse(k, out var id) || id < 0 || lv is not JsonValue s || s.GetValueKind() != JsonValueKind.String)
                    throw Bad("id2label", v, "an object mapping \"0\", \"1\", ... to label names");
                byId[id] = s.GetValue<string>();
            }
            var list = byId.Values.ToList();
            if (byId.Keys.Select((id, i) => id != i).Any(x => x))
                throw Bad("id2label", v, "ids 0..N-1 with none missing");
            if (list.Distinct(StringComparer.Ordinal).Count() != list.Count)
                throw Bad("id2label", v, "distinct label names");
            return list;
        }
    }
}
