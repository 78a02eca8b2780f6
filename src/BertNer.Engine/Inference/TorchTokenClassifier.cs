using BertNer.Features;
using BertNer.Modeling;
using BertNer.Tokenization;

namespace BertNer.Inference;

/// <summary>A <see cref="NerModel"/> (libtorch) as an <see cref="ITokenClassifier"/>: scores come from <see cref="TokenClassifierRunner"/>.</summary>
public sealed class TorchTokenClassifier(NerModel model) : ITokenClassifier
{
    public NerModel Model { get; } = model;
    public string Name => Model.Name;
    public string? SourcePath => Model.SourcePath;
    public BertConfig Config => Model.Config;
    public BertNerTokenizer Tokenizer => Model.Tokenizer;
    public IReadOnlyList<string> Labels => Model.Labels;
    public InferenceBackend Backend => InferenceBackend.Torch;
    public string DeviceName => Model.Device.type.ToString().ToLowerInvariant();

    public TokenScores[] Score(IReadOnlyList<EncodedSentence> items, int batchSize, bool withProbabilities = false,
        Action<int>? progress = null, CancellationToken ct = default) =>
        TokenClassifierRunner.Run(Model, items, batchSize, withProbabilities, progress, ct);
}
