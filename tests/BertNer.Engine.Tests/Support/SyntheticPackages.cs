using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using BertNer.Runtime;

namespace BertNer.Tests.Support;

/// <summary>Small .nupkg files made in memory, shaped like TorchSharp's native packages, and a runtime made of them.</summary>
public static class SyntheticPackages
{
    public const string Rid = "linux-x64";

    public static string Sha512(byte[] bytes) => Convert.ToBase64String(SHA512.HashData(bytes));

    /// <summary>A nupkg with a nuspec (and its libtorch-* dependencies) and the given entries (path → content).</summary>
    public static byte[] Nupkg(string id, string version, IReadOnlyDictionary<string, byte[]> entries, params string[] dependencies)
    {
        using var memory = new MemoryStream();
        using (var zip = new ZipArchive(memory, ZipArchiveMode.Create, leaveOpen: true))
        {
            var deps = string.Concat(dependencies.Select(d => $"<dependency id=\"{d}\" version=\"[{version}]\" />"));
            Write(zip, $"{id}.nuspec", Encoding.UTF8.GetBytes(
                $"<?xml version=\"1.0\"?><package xmlns=\"http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd\"><metadata><id>{id}</id><version>{version}</version>"
                + $"<dependencies><group targetFramework=\".NETStandard2.0\">{deps}</group></dependencies></metadata></package>"));
            Write(zip, "[Content_Types].xml", Encoding.UTF8.GetBytes("<Types/>"));
            foreach (var (name, content) in entries) Write(zip, name, content);
        }
        return memory.ToArray();
    }

    private static void Write(ZipArchive zip, string name, byte[] content)
    {
        using var s = zip.CreateEntry(name, CompressionLevel.Fastest).Open();
        s.Write(content);
    }

    /// <summary>Deterministic filler bytes, different per name.</summary>
    public static byte[] Bytes(string name, int length)
    {
        var b = new byte[length];
        new Random(name.GetHashCode(StringComparison.Ordinal) ^ length).NextBytes(b);
        return b;
    }

    /// <summary>
    /// The two packages of a fake CPU runtime: "Fake.Glue" (libLibTorchSharp.so) and "fake-libtorch-linux-x64"
    /// (libtorch_cpu.so, libc10.so, and libtorch_python.so, which an install must drop).
    /// </summary>
    public static (byte[] Glue, byte[] Torch) CpuPackages(int bigFileBytes = 200_000)
    {
        var native = $"runtimes/{Rid}/native/";
        var glue = Nupkg("Fake.Glue", "9.9.9", new Dictionary<string, byte[]> { [native + "libLibTorchSharp.so"] = Bytes("glue", 5_000) });
        var torch = Nupkg("fake-libtorch-linux-x64", "9.9.9", new Dictionary<string, byte[]>
        {
            [native + "libtorch_cpu.so"] = Bytes("torch_cpu", bigFileBytes),
            [native + "libc10.so"] = Bytes("c10", 3_000),
            [native + "libtorch_python.so"] = Bytes("python", 3_000),
            ["lib/netstandard2.0/_._"] = Array.Empty<byte>(),
        });
        return (glue, torch);
    }

    /// <summary>A runtime spec for packages as served, with the hashes BertNer would have built in (null: none built in).</summary>
    public static RuntimeSpec Spec(string? glueSha512, string? torchSha512, bool followDependencies = false, params RuntimePackage[] extra) =>
        new(RuntimeKind.Torch, RuntimeBackend.Cpu, RuntimePlatform.Parse(Rid), "9.9.9",
            new[] { new RuntimePackage("Fake.Glue", "9.9.9") { Sha512 = glueSha512 }, new RuntimePackage("fake-libtorch-linux-x64", "9.9.9") { Sha512 = torchSha512 } }.Concat(extra).ToList())
        {
            EntryLibraries = new[] { "LibTorchSharp", "torch_cpu" },
            FollowDependencies = followDependencies,
            LoadOrder = new[] { "libc10.so", "libtorch_cpu.so", "libLibTorchSharp.so" },
            Dropped = new[] { "*torch_python*", "*.sha", "*.fragment*" },
        };
}
