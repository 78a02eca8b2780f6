using System.Diagnostics;
using BertNer.Runtime;

namespace BertNer.Tests.Runtime;

/// <summary>The C# port of src/Build/ElfVersionPatch.ps1, on the real libLibTorchSharp.so of the TorchSharp package.</summary>
public sealed class ElfVersionNeedsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bertner-elf-").FullName;

    [SkippableFact]
    public void Weakens_the_GLIBCXX_3_4_32_requirement_of_the_real_libLibTorchSharp_so_as_readelf_sees_it()
    {
        var original = Path.Combine(RuntimeLocator.GlobalPackagesFolder, "torchsharp", RuntimeCatalog.TorchSharpVersion, "runtimes/linux-x64/native/libLibTorchSharp.so");
        Skip.IfNot(File.Exists(original), $"{original} is absent (no TorchSharp package restored): skipped.");
        var copy = Path.Combine(_dir, "libLibTorchSharp.so");
        File.Copy(original, copy);
        Assert.Equal(ElfVersionNeed.Required, ElfVersionNeeds.Read(copy));
        Assert.Equal(ElfVersionNeed.Required, ElfVersionNeeds.MakeWeak(copy));
        Assert.Equal(ElfVersionNeed.Weak, ElfVersionNeeds.Read(copy));
        Assert.Equal(ElfVersionNeed.Weak, ElfVersionNeeds.MakeWeak(copy)); // idempotent
        var changed = File.ReadAllBytes(original).Zip(File.ReadAllBytes(copy)).Count(p => p.First != p.Second);
        Assert.Equal(1, changed); // one flag bit in one byte
        Assert.Equal(ElfVersionNeed.NotRequired, ElfVersionNeeds.Read(copy, "GLIBCXX_9.9.9"));
        if (File.Exists("/usr/bin/readelf"))
        {
            var start = new ProcessStartInfo("/usr/bin/readelf", new[] { "-V", copy }) { RedirectStandardOutput = true };
            using var p = Process.Start(start)!;
            var text = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            Assert.Matches(@"Name: GLIBCXX_3\.4\.32\s+Flags: WEAK", text);
        }
    }

    [Fact]
    public void Refuses_a_file_that_is_not_ELF()
    {
        var path = Path.Combine(_dir, "not.so");
        File.WriteAllBytes(path, new byte[100]);
        var e = Assert.Throws<BertNerException>(() => ElfVersionNeeds.Read(path));
        Assert.Contains("is not an ELF file", e.Message);
    }

    public void Dispose() => Directory.Delete(_dir, true);
}
