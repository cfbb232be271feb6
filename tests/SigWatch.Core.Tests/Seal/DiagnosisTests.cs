using System.Runtime.Versioning;
using SigWatch.Core.FileSystem;
using SigWatch.Core.Seal;
using SigWatch.TestSupport;
using SigWatch.TestSupport.Builders;
using static SigWatch.Core.Tests.Seal.SealTesting;

namespace SigWatch.Core.Tests.Seal;

[SupportedOSPlatform("linux")]
[SupportedOSPlatform("macos")]
public sealed class DiagnosisTests : IDisposable
{
    private readonly TempDirectory _temp = new("diag");

    public void Dispose() => _temp.Dispose();

    private string App() => new BundleBuilder("Test.app").WithFile("Resources/a.txt", "a").WithFile("Resources/b.txt", "b")
        .WithFramework("Kit").Build(_temp.Path);

    [Fact]
    public void Diagnose_QuarantinedFilesInside_QuarantineInsideBundleListsThem()
    {
        var app = App();
        var xattrs = new FakeXattrs(Path.Combine(app, "Contents", "Resources", "b.txt"), Path.Combine(app, "Contents", "Frameworks", "Kit.framework"));
        var report = Verify(app, new BundleVerifierOptions { ExtendedAttributes = xattrs });
        Assert.Empty(Errors(report));
        var diagnosis = Assert.Single(report.Diagnoses);
        Assert.Equal(DiagnosisKind.QuarantineInsideBundle, diagnosis.Kind);
        Assert.Equal(["Frameworks/Kit.framework", "Resources/b.txt"], diagnosis.Paths);
        Assert.Contains("ITMS-91109", diagnosis.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void Diagnose_UnreadableAttributes_NotReportedAsQuarantine()
    {
        var report = Verify(App(), new BundleVerifierOptions { ExtendedAttributes = new ThrowingXattrs() });
        Assert.Empty(report.Diagnoses);
    }

    [Fact]
    public void Diagnose_MacosxFolder_AppleDoubleNamesFolderAndItsFiles()
    {
        var app = App();
        Directory.CreateDirectory(Path.Combine(app, "Contents", "Resources", "__MACOSX"));
        File.WriteAllText(Path.Combine(app, "Contents", "Resources", "__MACOSX", "._a.txt"), "x");
        var report = Verify(app);
        Assert.Equal(["file-added Resources/__MACOSX/._a.txt"], Errors(report));
        Assert.Equal(["Resources/__MACOSX", "Resources/__MACOSX/._a.txt"], Assert.Single(report.Diagnoses, d => d.Kind == DiagnosisKind.AppleDouble).Paths);
    }

    [Fact]
    public void Diagnose_ModifiedFileAfterSigning_AddedAfterSigningFromSealTime()
    {
        var app = App();
        var file = Path.Combine(app, "Contents", "Resources", "a.txt");
        File.AppendAllText(file, "!");
        File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddMinutes(1));
        var report = Verify(app);
        Assert.Equal("seal-mtime", report.SigningTimeSource);
        Assert.Equal(["Resources/a.txt"], Assert.Single(report.Diagnoses, d => d.Kind == DiagnosisKind.AddedAfterSigning).Paths);
    }

    [RealFixturesFact]
    public void Diagnose_RealAppWithLicenseWrittenLater_AddedAfterTheSecureTimestamp()
    {
        var app = RealBundles.Copy("sparkle-DevSignedApp", "DevSignedApp.app", _temp.Path);
        File.WriteAllText(Path.Combine(app, "Contents", "Resources", "license.dat"), "x");
        var report = Verify(app);
        Assert.Equal("timestamp", report.SigningTimeSource);
        Assert.Equal(2023, report.SigningTime!.Value.Year);
        Assert.Equal(["Resources/license.dat"], Assert.Single(report.Diagnoses, d => d.Kind == DiagnosisKind.AddedAfterSigning).Paths);
    }

    [Fact]
    public void Diagnose_TwoRenamedFilesAndOneRealAddition_PairsOnlyTheRenames()
    {
        var app = new BundleBuilder("Test.app").WithFile("Resources/\u00e9t\u00e9.txt", "1").WithFile("Resources/na\u00efve.txt", "2").Build(_temp.Path);
        var resources = Path.Combine(app, "Contents", "Resources");
        File.Move(Path.Combine(resources, "\u00e9t\u00e9.txt"), Path.Combine(resources, "e\u0301te\u0301.txt"));
        File.Move(Path.Combine(resources, "na\u00efve.txt"), Path.Combine(resources, "nai\u0308ve.txt"));
        File.WriteAllText(Path.Combine(resources, "new.txt"), "3");
        var report = Verify(app);
        Assert.Equal(["file-added Resources/new.txt", "normalization-mismatch Resources/e\u0301te\u0301.txt", "normalization-mismatch Resources/nai\u0308ve.txt"],
            Errors(report).Order(StringComparer.Ordinal));
        Assert.Equal(2, report.Diagnoses.Count(d => d.Kind == DiagnosisKind.NormalizationMismatch));
    }

    private sealed class FakeXattrs(params string[] quarantined) : IExtendedAttributeReader
    {
        public byte[]? Get(string path, string name) =>
            name == ExtendedAttributeNames.Quarantine && quarantined.Contains(path) ? "0083;6723b9fa;Safari;"u8.ToArray() : null;

        public IReadOnlyList<string> List(string path) => quarantined.Contains(path) ? [ExtendedAttributeNames.Quarantine] : [];
    }

    private sealed class ThrowingXattrs : IExtendedAttributeReader
    {
        public byte[]? Get(string path, string name) => throw new ExtendedAttributeException(path, name, 13, "permission denied");

        public IReadOnlyList<string> List(string path) => throw new ExtendedAttributeException(path, null, 13, "permission denied");
    }
}
