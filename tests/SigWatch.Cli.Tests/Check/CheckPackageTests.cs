using System.Text.Json;
using SigWatch.TestSupport;
using SigWatch.TestSupport.Builders;

namespace SigWatch.Cli.Tests.Check;

/// <summary><c>sigwatch check X.pkg</c>: the real unsigned test.pkg and a package signed here with a test certificate.</summary>
public sealed class CheckPackageTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static (int Exit, string Out, string Err) Run(params string[] args) => CliRunner.Run(args);

    [RealFixturesFact]
    public void CheckJson_RealUnsignedPackage_IsKindInstallerPackageUnsignedWithItsComponent()
    {
        var (exit, output, _) = Run("check", Path.Combine(RepoPaths.RealFixtures, "sparkle-adhoc-signed-dmg", "test.pkg"), "--json");

        Assert.Equal(ExitCodes.Invalid, exit);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.Equal("installer-package", root.GetProperty("kind").GetString());
        Assert.Equal("unsigned", root.GetProperty("verdict").GetString());
        var package = root.GetProperty("installerPackage");
        Assert.Equal("component", package.GetProperty("flavor").GetString());
        Assert.True(package.GetProperty("checksumValid").GetBoolean());
        var component = Assert.Single(package.GetProperty("components").EnumerateArray());
        Assert.Equal("org.sparkle-project.testpkg", component.GetProperty("identifier").GetString());
        Assert.Equal("/tmp", component.GetProperty("installLocation").GetString());
    }

    [Fact]
    public void Check_PackageSignedWithATestCertificate_SaysTheSignatureVerifiesOnAnUntrustedChain()
    {
        var path = _dir.Combine("signed.pkg");
        File.WriteAllBytes(path, XarBuilder.Component("com.example.signed", "2.0", "/Applications", withScripts: true, signer: XarBuilder.TestSigner()).Build());

        var (exit, output, _) = Run("check", path);

        Assert.Equal(ExitCodes.Invalid, exit);
        Assert.Contains("   Status: signed by untrusted certificate", output, StringComparison.Ordinal);
        Assert.Contains("    1. SigWatch Test Installer", output, StringComparison.Ordinal);
        Assert.Contains("Signature=RSA (verifies)", output, StringComparison.Ordinal);
        Assert.Contains("Component=.: com.example.signed 2.0 → /Applications; scripts: preinstall, postinstall", output, StringComparison.Ordinal);
        Assert.Contains("error certificate-chain-untrusted", output, StringComparison.Ordinal);
        Assert.EndsWith("Verdict: invalid (untrusted)" + Environment.NewLine, output, StringComparison.Ordinal);
    }
}
