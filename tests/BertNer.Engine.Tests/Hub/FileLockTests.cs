using BertNer.Hub;
using BertNer.Tests.Support;

namespace BertNer.Tests.Hub;

/// <summary>The lock shared by hub downloads and runtime installs waits only for another holder, never for a file it cannot create.</summary>
public sealed class FileLockTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_held_lock_is_waited_for_and_the_timeout_says_what_the_holder_is_doing()
    {
        var path = Path.Combine(_dir["locks"], "x.lock");
        using var held = await FileLock.AcquireAsync(path, TimeSpan.FromSeconds(1), CancellationToken.None);
        var e = await Assert.ThrowsAsync<BertNerException>(() => FileLock.AcquireAsync(path, TimeSpan.FromMilliseconds(300), CancellationToken.None, "installing torch-cpu"));
        Assert.Equal(BertNerErrorKind.ResourceUnavailable, e.Kind);
        Assert.Contains("installing torch-cpu", e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public async Task A_released_lock_is_taken_by_the_next_waiter()
    {
        var path = Path.Combine(_dir["locks"], "y.lock");
        var first = await FileLock.AcquireAsync(path, TimeSpan.FromSeconds(1), CancellationToken.None);
        var waiting = FileLock.AcquireAsync(path, TimeSpan.FromMinutes(1), CancellationToken.None);
        await Task.Delay(250);
        Assert.False(waiting.IsCompleted);
        first.Dispose();
        using var second = await waiting;
    }

    [SkippableFact]
    public async Task A_lock_file_that_cannot_be_created_fails_at_once()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "Uses /proc/self, which only Linux has: skipped.");
        // With a 10-minute timeout, a retry would end in the 60-second cancellation instead of this exception.
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await Assert.ThrowsAsync<FileNotFoundException>(() => FileLock.AcquireAsync("/proc/self/bertner.lock", TimeSpan.FromMinutes(10), patience.Token));
    }
}
