using System.Runtime.InteropServices;
using BertNer.Runtime;

namespace BertNer.Tests.Runtime;

/// <summary>
/// The contract the module's load context relies on (BertNer.PowerShell/Loading/EngineLoadContext): a DllImport name
/// gives the full path of the platform's file, found next to TorchSharp.dll in a developer build, or null.
/// </summary>
public class NativeRuntimeDeveloperBuildTests
{
    private static readonly string TorchFolder = Path.GetDirectoryName(typeof(TorchSharp.torch).Assembly.Location)!;

    private static string FileFor(string name) =>
        RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? name + ".dll"
        : RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? "lib" + name + ".dylib"
        : "lib" + name + ".so";

    [Theory]
    [InlineData("torch_cpu")]
    [InlineData("LibTorchSharp")]
    [InlineData("onnxruntime")]
    public void Finds_the_platform_file_next_to_TorchSharp(string name)
    {
        var path = NativeRuntime.ResolveLibrary(name);
        Assert.Equal(Path.Combine(TorchFolder, FileFor(name)), path);
        Assert.True(File.Exists(path));
    }

    [Theory]
    [InlineData("no_such_library")]
    [InlineData("")]
    [InlineData("/usr/lib/libtorch_cpu.so")]
    public void Returns_null_for_an_unknown_name_or_a_path(string name)
    {
        Assert.Null(NativeRuntime.ResolveLibrary(name));
    }

    [Fact]
    public void Takes_a_platform_file_name_as_it_is()
    {
        var file = FileFor("torch_cpu");
        Assert.Equal(Path.Combine(TorchFolder, file), NativeRuntime.ResolveLibrary(file));
    }
}
