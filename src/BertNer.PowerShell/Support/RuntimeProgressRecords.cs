using System.Management.Automation;
using BertNer.Runtime;

namespace BertNer.PowerShell.Support;

/// <summary>Runtime install progress as Write-Progress records: one activity per runtime, the package and stage as the status.</summary>
internal static class RuntimeProgressRecords
{
    public static ProgressRecord From(RuntimeInstallProgress p, int activityId)
    {
        var size = p.TotalBytes is long total ? $"{HubProgressRecords.Bytes(p.BytesDone)} of {HubProgressRecords.Bytes(total)}" : HubProgressRecords.Bytes(p.BytesDone);
        var record = new ProgressRecord(activityId, Activity(p.Runtime), $"{p.Stage} {p.Package}: {size}");
        if (p.PercentComplete is int percent) record.PercentComplete = percent;
        return record;
    }

    public static ProgressRecord Completed(string runtime, int activityId) =>
        new(activityId, Activity(runtime), "done") { RecordType = ProgressRecordType.Completed, PercentComplete = 100 };

    private static string Activity(string runtime) => $"Installing the native runtime {runtime}";
}
