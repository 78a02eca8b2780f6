using BertNer.Checkpoints;
using BertNer.IO;
using BertNer.Runtime;
using BertNer.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace BertNer.Modeling;

/// <summary>
/// A BERT model ready for NER: config, tokenizer and network on a device. Loaded from (and saved to) a
/// Hugging Face folder. A plain pretrained encoder (no id2label) loads as an encoder; give labels to get
/// a token classifier whose new head is initialised as HF does.
/// </summary>
public sealed class NerModel : IDisposable
{
    public string Name { get; }
    public string? SourcePath { get; }

    /// <summary>The folder the model was loaded from (the same as <see cref="SourcePath"/>), named as HubSnapshot.Path is, so Select-Object Name, Path works on both.</summary>
    public string? Path => SourcePath;
    public BertConfig Config { get; }
    public BertNerTokenizer Tokenizer { get; }
    public Device Device { get; private set; }

    /// <summary>The token classifier; null when the model is a plain encoder without labels.</summary>
    public BertForTokenClassification? Classifier { get; }

    /// <summary>The encoder (the classifier's, or a stand-alone one).</summary>
    public BertModel Encoder { get; }

    public IReadOnlyList<string> Labels => Config.Labels;
    public long ParameterCount => ((nn.Module)Classifier! ?? Encoder).parameters().Sum(p => p.numel());
    public IReadOnlyList<string> Warnings { get; }

    private NerModel(string name, string? source, BertConfig config, BertNerTokenizer tokenizer, BertModel encoder,
        BertForTokenClassification? classifier, Device device, IReadOnlyList<string> warnings)
    {
        Name = name; SourcePath = source; Config = config; Tokenizer = tokenizer; Encoder = encoder;
        Classifier = classifier; Device = device; Warnings = warnings;
    }

    /// <summary>Loads a HF model folder.</summary>
    /// <param name="labels">Labels for the token classifier. Null keeps the folder's id2label (or loads an encoder when it has none).</param>
    /// <param name="seed">Seeds the initialisation of a new classifier head.</param>
    public static NerModel Load(string folder, IReadOnlyList<string>? labels = null, string? device = "Auto", long seed = 42)
    {
        TorchRuntime.EnsureLoaded();
        folder = System.IO.Path.GetFullPath(folder);
        AtomicFile.RecoverFolder(folder);
        if (!Directory.Exists(folder))
            throw new BertNerException(BertNerErrorKind.ObjectNotFound,
                $"Model folder '{folder}' does not exist. Give a Hugging Face model folder (config.json, vocab.txt, model.safetensors) or a BertNer run's best/ folder.", folder);
        var config = BertConfig.Load(System.IO.Path.Combine(folder, "config.json"));
        var tokenizer = BertNerTokenizer.FromFolder(folder);
        if (tokenizer.VocabSize != config.VocabSize)
            throw new BertNerException(BertNerErrorKind.InvalidData,
                $"'{folder}': vocab.txt has {tokenizer.VocabSize} tokens but config.json says vocab_size {config.VocabSize}. Use the vocab.txt that belongs to these weights.", folder);

        var warnings = new List<string>();
        bool newHead = false;
        if (labels != null)
        {
            ValidateLabels(labels);
            if (config.Labels.Count > 0 && !config.Labels.SequenceEqual(labels))
            {
                warnings.Add($"The model's labels ({string.Join(", ", config.Labels)}) differ from the ones asked for ({string.Join(", ", labels)}); its classifier head is replaced by a newly initialised one.");
                newHead = true;
            }
            config.Labels = labels.ToList();
        }
        var weightsPath = StateDictFile.Locate(folder);
        var weights = StateDictFile.Read(weightsPath);
        try
        {
            CheckSizeAgainstWeights(config, folder, weights, weightsPath);
            BertForTokenClassification? classifier = null;
            BertModel encoder;
            nn.Module module;
            if (config.Labels.Count > 0)
            {
                classifier = new BertForTokenClassification(config);
                encoder = classifier.Bert;
                module = classifier;
            }
            else
            {
                encoder = new BertModel(config, addPoolingLayer: weights.Keys.Any(k => k.StartsWith("pooler.") || k.StartsWith("bert.pooler.")));
                module = encoder;
            }
            module.eval();
            var source = newHead ? weights.Where(kv => !kv.Key.StartsWith("classifier.", StringComparison.Ordinal)).ToDictionary() : weights;
            var report = WeightLoader.Load(module, source, weightsPath, name => name.StartsWith("classifier.", StringComparison.Ordinal));
            if (report.Initialized.Count > 0)
            {
                using var g = new Generator((ulong)seed);
                classifier!.InitClassifier(g);
                if (!newHead)
                    warnings.Add($"'{weightsPath}' has no token-classification head; a new one for {config.Labels.Count} labels was initialised (normal, std {config.InitializerRange}, bias 0). Train the model before using its predictions.");
            }
            if (report.Unused.Count > 0)
                warnings.Add($"'{weightsPath}': {report.Unused.Count} weight(s) not used by a token classifier: {WeightLoader.Summarize(report.Unused)}.");
            var dev = TorchRuntime.ResolveDevice(device);
            if (dev.type != DeviceType.CPU) module.to(dev);
            return new NerModel(NameOf(folder), folder, config, tokenizer, encoder, classifier, dev, warnings);
        }
        finally
        {
            foreach (var t in weights.Values) t.Dispose();
        }
    }

    /// <summary>
    /// What a model folder is called: a hub cache snapshot by its hub id (not its commit hash), a run's checkpoint as
    /// run/best (run/last, run/epoch-N), any other folder by its name.
    /// </summary>
    public static string NameOf(string folder)
    {
        if (Hub.CachedHubModel.IdOfSnapshot(folder) is { } id) return id;
        folder = System.IO.Path.TrimEndingDirectorySeparator(folder);
        var name = System.IO.Path.GetFileName(folder);
        if (name is "best" or "last" || name.StartsWith("epoch-", StringComparison.Ordinal))
            name = System.IO.Path.GetFileName(System.IO.Path.GetDirectoryName(folder)) + "/" + name;
        return name;
    }

    /// <summary>Builds a randomly initialised model (tests, benchmarks) around a tokenizer.</summary>
    public static NerModel CreateRandom(BertConfig config, BertNerTokenizer tokenizer, long seed = 42, string? device = "Cpu")
    {
        TorchRuntime.EnsureLoaded();
        manual_seed(seed);
        var classifier = new BertForTokenClassification(config);
        InitLikeHf(classifier, config, seed);
        classifier.eval();
        var dev = TorchRuntime.ResolveDevice(device);
        if (dev.type != DeviceType.CPU) classifier.to(dev);
        return new NerModel("random", null, config, tokenizer, classifier.Bert, classifier, dev, Array.Empty<string>());
    }

    // HF _init_weights: Linear/Embedding normal(0, initializer_range), biases 0, LayerNorm 1/0, padding row 0.
    private static void InitLikeHf(nn.Module module, BertConfig c, long seed)
    {
        using var g = new Generator((ulong)seed);
        using var _ = no_grad();
        foreach (var (name, p) in module.named_parameters())
        {
            if (name.Contains("LayerNorm.weight")) p.fill_(KeptScalars.One);
            else if (name.EndsWith("bias")) p.zero_();
            else p.normal_(0, c.InitializerRange, g);
        }
        foreach (var (name, p) in module.named_parameters())
            if (name.EndsWith("word_embeddings.weight"))
                using (var padRow = p[c.PadTokenId]) padRow.zero_(); // held: a bare temporary could be finalized mid-call
    }

    // Building the model would allocate whatever config.json says (num_hidden_layers: 1000000000) before any shape
    // check. A config asking for far more weights than the file holds cannot match it: stop before allocating. Near
    // misses (one tensor missing, one of the wrong shape) go on to WeightLoader, whose errors name the tensor.
    private static void CheckSizeAgainstWeights(BertConfig config, string folder, Dictionary<string, Tensor> weights, string weightsPath)
    {
        long available = weights.Values.Sum(t => t.numel());
        long needed = config.EncoderWeightCount;
        if (needed <= 2 * available + 1_000_000) return;
        var configPath = System.IO.Path.Combine(folder, "config.json");
        throw new BertNerException(BertNerErrorKind.InvalidData,
            $"'{configPath}' describes a BERT encoder with {needed:N0} weights (vocab_size {config.VocabSize}, hidden_size {config.HiddenSize}, " +
            $"num_hidden_layers {config.NumHiddenLayers}, intermediate_size {config.IntermediateSize}, max_position_embeddings {config.MaxPositionEmbeddings}, " +
            $"type_vocab_size {config.TypeVocabSize}), but '{weightsPath}' holds only {available:N0} values. config.json and the weights do not belong together: " +
            "use the config.json that came with the weights.", configPath);
    }

    private static void ValidateLabels(IReadOnlyList<string> labels)
    {
        if (labels.Count == 0) throw new BertNerException(BertNerErrorKind.InvalidArgument, "The label list is empty; a NER model needs at least the label 'O'.", "Labels");
        var dup = labels.GroupBy(l => l, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (dup != null) throw new BertNerException(BertNerErrorKind.InvalidArgument, $"Label '{dup.Key}' appears twice in the label list.", "Labels");
    }

    /// <summary>Writes an HF-compatible folder (config.json, model.safetensors, tokenizer files) atomically.</summary>
    public void Save(string folder)
    {
        var classifier = Classifier ?? throw new InvalidOperationException("Only a token classifier (a model with labels) can be saved.");
        var config = Config.Clone();
        config.Architectures = new List<string> { "BertForTokenClassification" };
        AtomicFile.WriteFolder(folder, tmp =>
        {
            var json = config.ToJson().ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
            AtomicFile.WriteAllText(System.IO.Path.Combine(tmp, "config.json"), json);
            SafeTensors.Save(System.IO.Path.Combine(tmp, StateDictFile.SafeTensorsName), classifier.state_dict());
            Tokenizer.Save(tmp);
        });
    }

    public void Dispose()
    {
        Classifier?.Dispose();
        Encoder.Dispose();
    }
}
