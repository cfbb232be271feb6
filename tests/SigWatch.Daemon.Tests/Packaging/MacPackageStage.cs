using SigWatch.TestSupport;

namespace SigWatch.Daemon.Tests.Packaging;

/// <summary>
/// One run of <c>packaging/macos/build-pkg.sh --stage-only --arch all</c> (publish included), shared by the tests of
/// a class and made on first use: the payload trees and scripts exactly as both architectures' packages hold them.
/// </summary>
public sealed class MacPackageStage : IDisposable
{
    public static readonly string[] Architectures = ["arm64", "x64"];

    private readonly TempDirectory _out = new();
    private readonly Lazy<Task<CliResult>> _build;

    public MacPackageStage() =>
        _build = new(() => ExternalProgram.RunAsync(
            Path.Combine(RepoPaths.Root, "packaging", "macos", "build-pkg.sh"),
            ["--stage-only", "--arch", "all", "--out", _out.Path],
            PackagingCollection.BuildTimeout));

    /// <summary>The build's outcome; the tests assert it succeeded before they look at what it staged.</summary>
    public async Task<CliResult> BuildAsync()
    {
        var result = await _build.Value;
        Assert.True(result.ExitCode == 0, "build-pkg.sh --stage-only failed:\n" + result);
        return result;
    }

    /// <summary>The payload root of one architecture's package (what installs at /).</summary>
    public string Root(string arch) => Path.Combine(_out.Path, arch, "root");

    public string Scripts(string arch) => Path.Combine(_out.Path, arch, "scripts");

    public string Distribution(string arch) => Path.Combine(_out.Path, arch, "Distribution.xml");

    /// <summary>An absolute path on the installed Mac, inside the staged payload of <paramref name="arch"/>.</summary>
    public string Staged(string arch, string installedPath) => Root(arch) + installedPath;

    public void Dispose() => _out.Dispose();
}
