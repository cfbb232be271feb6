using System.Runtime.Versioning;
using SigWatch.Core.Verification;
using SigWatch.TestSupport;
using static SigWatch.Core.Tests.Seal.SealTesting;

namespace SigWatch.Core.Tests.Seal;

/// <summary>Damaged is not unsigned: a signed bundle whose executable or Info.plist is broken is invalid with the cause.</summary>
[SupportedOSPlatform("linux")]
[SupportedOSPlatform("macos")]
public sealed class DamagedBundleTests : IDisposable
{
    private readonly TempDirectory _temp = new("damaged");

    public void Dispose() => _temp.Dispose();

    private string App() => FullApp().Build(_temp.Path);

    private static string Contents(string app, string relative) => Path.Combine(app, "Contents", relative);

    [Fact]
    public void Verify_MainExecutableTruncated_IsInvalidNamingTheDamage()
    {
        var app = App();
        using (var stream = File.OpenWrite(Contents(app, "MacOS/Test")))
        {
            stream.SetLength(1000);
        }

        var report = Verify(app);

        Assert.Equal(SignatureVerdict.Invalid, report.Verdict);
        Assert.DoesNotContain(report.Findings, f => f.Kind == FindingKind.NotSigned);
        Assert.Contains(report.Findings, f => f.Kind == FindingKind.MalformedSignature && f.Path == "MacOS/Test" && f.Detail.Contains("signature data is missing"));
        Assert.Contains(report.Findings, f => f.Kind == FindingKind.BadMainExecutable && f.Path == "MacOS/Test");
    }

    [Fact]
    public void Verify_MainExecutableNoLongerMachO_IsInvalidBecauseTheSealProvesItWasSigned()
    {
        var app = App();
        File.WriteAllText(Contents(app, "MacOS/Test"), "#!/bin/sh\n");

        var report = Verify(app);

        Assert.Equal(SignatureVerdict.Invalid, report.Verdict);
        var finding = Assert.Single(report.Findings, f => f.Severity == FindingSeverity.Error);
        Assert.Equal((FindingKind.MalformedMachO, "MacOS/Test"), (finding.Kind, finding.Path));
        Assert.Contains("damaged or replaced after signing", finding.Detail);
    }

    [Fact]
    public void Verify_MainExecutableDeleted_IsInvalidFileMissing()
    {
        var app = App();
        File.Delete(Contents(app, "MacOS/Test"));

        var report = Verify(app);

        Assert.Equal(SignatureVerdict.Invalid, report.Verdict);
        Assert.Equal(["file-missing MacOS/Test"], Errors(report));
    }

    [Fact]
    public void Verify_InfoPlistNotAPropertyList_IsInvalidAndTheExecutableIsStillFoundByTheBundleName()
    {
        var app = App();
        File.WriteAllText(Contents(app, "Info.plist"), "<plist><dict><key>broken");

        var report = Verify(app);

        Assert.Equal(SignatureVerdict.Invalid, report.Verdict);
        // CFBundle falls back to the bundle's name: the executable is verified (its architectures are reported).
        Assert.Equal("MacOS/Test", report.MainExecutable);
        Assert.NotEmpty(report.Report.Architectures);
        Assert.Contains(report.Findings, f => f.Kind == FindingKind.InfoPlistMalformed && f.Severity == FindingSeverity.Error);
        Assert.Contains(report.Findings, f => f.Kind == FindingKind.InfoPlistModified);
    }

    [Fact]
    public void Verify_InfoPlistUnreadable_IsInvalidNamingItWithoutCallingItModified()
    {
        var app = App();
        var info = Contents(app, "Info.plist");
        File.Delete(info);
        Directory.CreateDirectory(info); // not a regular file: never opened

        var report = Verify(app);

        Assert.Equal(SignatureVerdict.Invalid, report.Verdict);
        Assert.Equal(["unreadable Info.plist"], Errors(report));
        Assert.Contains(report.Findings, f => f.Kind == FindingKind.SpecialSlotUnchecked && f.Severity == FindingSeverity.Warning);
    }

    [Fact]
    public void Verify_UnsignedBundleWithMalformedInfoPlist_StaysUnsignedWithAWarning()
    {
        var app = Path.Combine(_temp.Path, "Plain.app");
        Directory.CreateDirectory(Path.Combine(app, "Contents", "MacOS"));
        File.WriteAllText(Path.Combine(app, "Contents", "Info.plist"), "not a plist");
        File.WriteAllBytes(Path.Combine(app, "Contents", "MacOS", "Plain"), new TestSupport.Builders.MachOBuilder().Unsigned().Build());

        var report = Verify(app);

        Assert.Equal(SignatureVerdict.Unsigned, report.Verdict);
        Assert.Contains(report.Findings, f => f.Kind == FindingKind.InfoPlistMalformed && f.Severity == FindingSeverity.Warning);
        Assert.Contains(report.Findings, f => f.Kind == FindingKind.NotSigned && f.Path == "MacOS/Plain");
    }
}
