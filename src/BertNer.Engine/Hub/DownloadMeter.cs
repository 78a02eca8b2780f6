using System.Diagnostics;

namespace BertNer.Hub;

/// <summary>Turns byte counts into <see cref="HubDownloadProgress"/> reports: rate, time left, at most ten a second.</summary>
internal sealed class DownloadMeter
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);
    private readonly string _model;
    private readonly string _file;
    private readonly long _start;
    private readonly long? _total;
    private readonly IProgress<HubDownloadProgress>? _sink;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TimeSpan _lastReport;

    public DownloadMeter(string model, string file, long startBytes, long? totalBytes, IProgress<HubDownloadProgress>? sink)
    {
        _model = model; _file = file; _start = startBytes; _total = totalBytes; _sink = sink;
        Send(startBytes, completed: false);
    }

    public void Report(long done)
    {
        if (_sink is null || _clock.Elapsed - _lastReport < Interval) return;
        Send(done, completed: false);
    }

    public void Complete(long done) => Send(done, completed: true);

    private void Send(long done, bool completed)
    {
        if (_sink is null) return;
        _lastReport = _clock.Elapsed;
        var seconds = _clock.Elapsed.TotalSeconds;
        double rate = seconds > 0 ? (done - _start) / seconds : 0;
        TimeSpan? left = completed ? TimeSpan.Zero
            : _total is long t && rate > 0 ? TimeSpan.FromSeconds(Math.Max(0, t - done) / rate) : null;
        _sink.Report(new HubDownloadProgress(_model, _file, done, _total, rate, left, completed));
    }
}
