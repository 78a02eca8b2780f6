using System.Management.Automation;
using BertNer.Runtime;

namespace BertNer.PowerShell.Support;

/// <summary>
/// The first command that needs a native runtime installs it when none is present. Doing that here, before the
/// engine's own first call, gives the install Install-BertNerRuntime's progress bar and lets Ctrl+C stop it; the
/// engine then finds the installed copy. When a runtime is present this only looks for it.
/// </summary>
internal static class RuntimeFirstUse
{
    private const int ActivityId = 52;

    public static void Prepare(PSCmdlet cmdlet, RuntimeKind kind, CancellationToken ct)
    {
        if (NativeRuntime.InUse(kind) is not null) return;
        RuntimeInstall.WithProgress(cmdlet, ActivityId, ct, (progress, token) => NativeRuntime.FindOrInstall(kind, progress, token));
    }
}
