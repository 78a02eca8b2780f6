using BertNer.Features;
using BertNer.Modeling;
using BertNer.Tokenization;

namespace BertNer.Inference;

/// <summary>
/// What tagging and evaluation need from a fine-tuned model, whichever runtime computes it: its tokenizer,
/// labels and size limits, and scores for encoded sentences. Everything above this call (windows, batching,
/// aggregation, offsets, metrics) is one code path for every backend.
/// </summary>
public interface ITokenClassifier
{
    string Name { get; }
    string? SourcePath { get; }
    BertConfig Config { get; }
    BertNerTokenizer Tokenizer { get; }
    IReadOnlyList<string> Labels { get; }

    /// <summary>Which runtime computes the scores.</summary>
    InferenceBackend Backend { get; }

    /// <summary>Where it runs, for messages ("cpu", "cuda").</summary>
    string DeviceName { get; }

    /// <summary>Scores in input order; sentences are batched by similar length inside.</summary>
    TokenScores[] Score(IReadOnlyList<EncodedSentence> items, int batchSize, bool withProbabilities = false,
        Action<int>? progress = null, CancellationToken ct = default);
}
