using SigWatch.Core.Verification;
using SigWatch.TestSupport;

namespace SigWatch.Core.Tests.Verification;

/// <summary>Which moment a chain is judged at (reference §6.2 step 5).</summary>
public class CertificateTimeTests
{
    [RealFixturesFact]
    public void Verify_ExpiredLeafWithSecureTimestamp_IsJudgedAtTheTimestamp()
    {
        // VMware's Developer ID leaf expired 2022-03-30; Apple's TSA stamped the signature 2019-06-18.
        var report = new CodeSignatureVerifier().VerifyFile(
            Path.Combine(RepoPaths.RealFixtures, "r2-libexpat-vmware-universal-devid-dualhash", "libexpat.1.dylib"));

        Assert.Equal(SignatureVerdict.Valid, report.Verdict);
        Assert.All(report.Architectures, a =>
        {
            Assert.Equal(new DateTimeOffset(2019, 6, 18, 2, 21, 52, TimeSpan.Zero), a.Cms!.TimestampedSigningTime);
            Assert.Equal(a.Cms.TimestampedSigningTime, a.Cms.ChainVerificationTime);
            Assert.True(a.Cms.Leaf!.NotAfter < DateTimeOffset.UtcNow);
        });
        Assert.DoesNotContain(report.Findings, f => f.Kind == FindingKind.CertificateExpired);
    }

    [RealFixturesFact]
    public void Verify_ExpiredChainWithoutTimestamp_WarnsButStaysValid()
    {
        // No timestamp: judged now; SEC treats expiry alone as valid-but-expired unless CD flag 0x400 is set.
        var report = new CodeSignatureVerifier().VerifyFile(Path.Combine(RepoPaths.RealFixtures, "santa-testdata-mixed", "yikes-universal_signed"));

        Assert.Equal(SignatureVerdict.Valid, report.Verdict);
        Assert.Contains(report.Findings, f => f.Kind == FindingKind.CertificateExpired && f.Severity == FindingSeverity.Warning);
        Assert.All(report.Architectures, a => Assert.Null(a.Cms!.TimestampedSigningTime));
        Assert.All(report.Architectures, a => Assert.NotNull(a.Cms!.DeclaredSigningTime));
    }
}
