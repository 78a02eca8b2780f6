using System.Management.Automation;
using BertNer.Runtime;

namespace BertNer.PowerShell.Support;

/// <summary>Runs one runtime install for a cmdlet: on a worker thread, with a progress bar, Ctrl+C stopping it.</summary>
internal static class RuntimeInstall
{
    public static LocatedRuntime Run(PSCmdlet cmdlet, RuntimeSpec spec, string root, string source, bool force, bool patchForThisSystem, int activityId, CancellationToken ct) =>
        WithProgress(cmdlet, activityId, ct,
            (progress, token) => RuntimeInstaller.InstallAsync(spec, root, source, force, progress, token, patchForThisSystem).GetAwaiter().GetResult());

    /// <summary>
    /// Runs <paramref name="work"/> on a worker; the install progress it reports becomes this cmdlet's progress bar, closed
    /// with a Completed record when anything was shown (an intact runtime shows nothing).
    /// </summary>
    public static LocatedRuntime WithProgress(PSCmdlet cmdlet, int activityId, CancellationToken ct,
        Func<IProgress<RuntimeInstallProgress>, CancellationToken, LocatedRuntime> work)
    {
        string? shown = null;
        var runtime = BackgroundWork.Run<LocatedRuntime, RuntimeInstallProgress>(work,
            p => { cmdlet.WriteProgress(RuntimeProgressRecords.From(p, activityId)); shown = p.Runtime; },
            ct);
        if (shown != null) cmdlet.WriteProgress(RuntimeProgressRecords.Completed(shown, activityId));
        return runtime;
    }

    /// <summary>-Source as given (a URL stays a URL, a path is resolved against the current location), else the default sources.</summary>
    public static IReadOnlyList<string> Sources(PSCmdlet cmdlet, string? source, RuntimeSpec spec) =>
        source is null ? NativeRuntime.DefaultSources(spec).ToList()
        : Uri.TryCreate(source, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? new[] { source }
        : new[] { cmdlet.GetUnresolvedProviderPathFromPSPath(source) };
}
