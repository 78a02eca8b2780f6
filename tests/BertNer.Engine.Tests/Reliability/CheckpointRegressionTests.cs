using BertNer.Checkpoints;
using BertNer.Testing;
using BertNer.Tests.Support;

namespace BertNer.Tests.Reliability;

/// <summary>Bugs found by the kill, full-disk and damaged-checkpoint tests, one test each.</summary>
public sealed class CheckpointRegressionTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose()
    {
        FaultHooks.CheckpointWrite = null;
        _dir.Dispose();
    }

    [Fact]
    public void Replacing_a_folder_puts_back_a_leftover_old_copy_instead_of_deleting_it()
    {
        // Before: ReplaceFolder deleted ".x.old" first. After a crash between the renames that was the only copy,
        // and a second failure before the new folder arrived left nothing at all.
        var target = _dir["x"];
        Directory.CreateDirectory(_dir[".x.old"]);
        File.WriteAllText(Path.Combine(_dir[".x.old"], "weights"), "the only good copy");
        Directory.CreateDirectory(_dir["staged"]);
        FaultHooks.CheckpointWrite = (point, _) => { if (point == "folder-moved-aside") throw new IOException("the disk went away"); };
        Assert.Throws<IOException>(() => AtomicFile.ReplaceFolder(_dir["staged"], target));
        AtomicFile.RecoverFolder(target);
        Assert.Equal("the only good copy", File.ReadAllText(Path.Combine(target, "weights")));
    }
}
