using System.Management.Automation;
using BertNer.Runtime;

namespace BertNer.PowerShell.Support;

/// <summary>Runs one runtime install for a cmdlet: on a worker thread, with a progress bar, Ctrl+C stopping it.</summary>
internal static class RuntimeInstall
{
    public static LocatedRuntime Run(PSCmdlet cmdlet, RuntimeSpec spec, string root, string source, bool force, bool patchForThisSystem, int activityId, CancellationToken ct)
    {
        bool showed = false;
        var runtime = BackgroundWork.Run<LocatedRuntime, RuntimeInstallProgress>(
            (progress, token) => RuntimeInstaller.InstallAsync(spec, root, source, force, progress, token, patchForThisSystem).GetAwaiter().GetResult(),
            p => { cmdlet.WriteProgress(RuntimeProgressRecords.From(p, activityId)); showed = true; },
            ct);
        if (showed) cmdlet.WriteProgress(RuntimeProgressRecords.Completed(spec.FolderName, activityId));
        return runtime;
    }

    /// <summary>-Source as given (a URL stays a URL, a path is resolved against the current location), else the default sources.</summary>
    public static IReadOnlyList<string> Sources(PSCmdlet cmdlet, string? source, RuntimeSpec spec) =>
        source is null ? NativeRuntime.DefaultSources(spec).ToList()
        : Uri.TryCreate(source, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? new[] { source }
        : new[] { cmdlet.GetUnresolvedProviderPathFromPSPath(source) };
}
