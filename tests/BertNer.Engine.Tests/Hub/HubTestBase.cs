using BertNer.Tests.Support;

namespace BertNer.Tests.Hub;

/// <summary>What every hub test class needs: a loopback hub and a fresh cache folder, both removed afterwards.</summary>
public abstract class HubTestBase : IDisposable
{
    protected readonly LoopbackHub _hub = new();
    protected readonly TempDir _dir = new();
    protected string Cache => _dir["hub"];

    public void Dispose()
    {
        _hub.Dispose();
        _dir.Dispose();
        GC.SuppressFinalize(this);
    }
}
