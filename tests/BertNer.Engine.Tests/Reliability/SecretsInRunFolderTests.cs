using System.Text;
using BertNer.Hub;
using BertNer.Tests.Support;
using BertNer.Training;

namespace BertNer.Tests.Reliability;

/// <summary>
/// HF_TOKEN set in the environment, a private model fetched with it from the loopback hub and fine-tuned: the token
/// reaches the hub and nothing else, not a file of the run folder (train.log, config.yaml, metrics.jsonl,
/// trainer_state.json, checkpoints), not a log line or warning, not an error message.
/// </summary>
public sealed class SecretsInRunFolderTests : IDisposable
{
    private const string Token = "hf_MARKER_run_folder_secret_0123456789";
    private static readonly string[] Variables = { "HF_TOKEN", "HF_ENDPOINT", "HF_HUB_CACHE", "HF_HUB_OFFLINE", "HUGGING_FACE_HUB_TOKEN" };
    private readonly Dictionary<string, string?> _saved = Variables.ToDictionary(v => v, Environment.GetEnvironmentVariable);
    private readonly LoopbackHub _hub = new();
    private readonly TempDir _dir = new();

    public void Dispose()
    {
        foreach (var (name, value) in _saved) Environment.SetEnvironmentVariable(name, value);
        _hub.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public void HF_TOKEN_never_reaches_the_run_folder_logs_or_errors()
    {
        _hub.AddRepo("org/private-tiny", HubTestModel.Files()).Private = true;
        _hub.AcceptedToken = Token;
        Environment.SetEnvironmentVariable("HF_TOKEN", Token);
        Environment.SetEnvironmentVariable("HUGGING_FACE_HUB_TOKEN", null);
        Environment.SetEnvironmentVariable("HF_HUB_OFFLINE", null);
        Environment.SetEnvironmentVariable("HF_ENDPOINT", _hub.Endpoint);
        Environment.SetEnvironmentVariable("HF_HUB_CACHE", _dir["hub"]);
        var said = new List<string>();
        var events = new TrainerEvents { Log = said.Add, Warning = said.Add, EpochCompleted = r => said.Add(r.ToString() ?? "") };
        var options = new TrainingOptions
        {
            Model = "org/private-tiny", OutputPath = _dir["run"], Epochs = 2, LearningRate = 2e-3, BatchSize = 8, Device = "Cpu", LoggingSteps = 1,
        };
        // The model argument goes through ModelLocator with the environment's options, as the cmdlets do.
        var run = new Trainer(options, events, m => ModelLocator.Resolve(m)).Run(ToyData.Sentences(32), ToyData.Sentences(8, seed: 5), resume: false);
        said.Add(run.Config.Model ?? "");
        new Trainer(options.Clone(), events).Run(ToyData.Sentences(32), null, resume: true);

        // A failure on the way: a refused download of another private model, with the token set.
        _hub.AddRepo("org/other", HubTestModel.Files()).Private = true;
        _hub.AcceptedToken = "hf_someone_else";
        var refused = Assert.Throws<BertNerException>(() =>
            new Trainer(new TrainingOptions { Model = "org/other", OutputPath = _dir["run2"], Device = "Cpu" }, events, m => ModelLocator.Resolve(m))
                .Run(ToyData.Sentences(8), null, resume: false));
        for (Exception? x = refused; x != null; x = x.InnerException) said.Add(x.ToString());

        var files = Directory.GetFiles(_dir["run"], "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Concat(Directory.Exists(_dir["run2"]) ? Directory.GetFiles(_dir["run2"], "*", SearchOption.AllDirectories) : []).ToList();
        foreach (var name in new[] { RunFolder.LogFile, RunFolder.ConfigFile, RunFolder.MetricsFile, Path.Combine("last", RunFolder.StateFile), Path.Combine("best", "config.json") })
            Assert.Contains(Path.Combine(_dir["run"], name), files);
        var secret = Encoding.UTF8.GetBytes(Token);
        var secret16 = Encoding.Unicode.GetBytes(Token);
        foreach (var file in files)
        {
            var bytes = File.ReadAllBytes(file);
            Assert.False(bytes.AsSpan().IndexOf(secret) >= 0 || bytes.AsSpan().IndexOf(secret16) >= 0, $"the token is in {file}");
        }
        Assert.All(said, s => Assert.DoesNotContain(Token, s));
        // Not vacuous: the token was used, for the hub only.
        Assert.Contains(_hub.Requests, r => r.Server == "hub" && r.Header("Authorization") == "Bearer " + Token);
        Assert.DoesNotContain(_hub.Requests, r => r.Server == "cdn" && r.Header("Authorization") != null);
    }
}
