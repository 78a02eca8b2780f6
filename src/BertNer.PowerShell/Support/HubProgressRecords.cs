using System.Globalization;
using System.Management.Automation;
using BertNer.Hub;

namespace BertNer.PowerShell.Support;

/// <summary>Hub download progress as Write-Progress records: one activity per model, the file and its numbers as the status.</summary>
internal static class HubProgressRecords
{
    public static ProgressRecord From(HubDownloadProgress p, int activityId)
    {
        var size = p.TotalBytes is long total ? $"{Bytes(p.BytesDone)} of {Bytes(total)}" : Bytes(p.BytesDone);
        var rate = p.BytesPerSecond > 0 ? $" at {Bytes((long)p.BytesPerSecond)}/s" : "";
        var record = new ProgressRecord(activityId, Activity(p.Model), $"{p.File}: {size}{rate}" + (p.Completed ? " (done)" : ""));
        if (p.PercentComplete is int percent) record.PercentComplete = percent;
        if (p.Remaining is TimeSpan left && !p.Completed) record.SecondsRemaining = (int)Math.Ceiling(left.TotalSeconds);
        return record;
    }

    /// <summary>Ends the activity (PowerShell removes the bar).</summary>
    public static ProgressRecord Completed(string model, int activityId) =>
        new(activityId, Activity(model), "done") { RecordType = ProgressRecordType.Completed, PercentComplete = 100 };

    public static string Activity(string model) => $"Downloading {model}";

    /// <summary>Decimal units, as download tools and the hub's web pages show sizes.</summary>
    public static string Bytes(long n) => n switch
    {
        < 1_000 => $"{n} B",
        < 1_000_000 => (n / 1e3).ToString("0.0", CultureInfo.InvariantCulture) + " kB",
        < 1_000_000_000 => (n / 1e6).ToString("0.0", CultureInfo.InvariantCulture) + " MB",
        _ => (n / 1e9).ToString("0.00", CultureInfo.InvariantCulture) + " GB",
    };
}
