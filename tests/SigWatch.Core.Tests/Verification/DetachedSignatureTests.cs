using System.Text.Json;
using SigWatch.Core.CodeSigning;
using SigWatch.Core.Verification;
using SigWatch.TestSupport;
using SigWatch.TestSupport.Builders;

namespace SigWatch.Core.Tests.Verification;

/// <summary>
/// Bundles without an executable keep their signature as _CodeSignature/* files; the "code" is the Info.plist
/// itself (page size 0, one slot). Checked against the manifest facts of Sparkle's SUUpdateValidatorTest bundles.
/// </summary>
public class DetachedSignatureTests
{
    private const string Entry = "sparkle-SUUpdateValidatorTest-bundles";

    [RealFixturesTheory]
    [InlineData("CodeSignedBoth.bundle", true)]
    [InlineData("CodeSignedOnlyNew.bundle", true)]
    [InlineData("CodeSignedOldED.bundle", true)]
    [InlineData("CodeSignedInvalid.bundle", false)]
    [InlineData("CodeSignedInvalidOnly.bundle", false)]
    public void VerifySignature_DetachedBundle_MatchesManifest(string bundle, bool valid)
    {
        var contents = Path.Combine(RepoPaths.RealFixtures, Entry, bundle, "Contents");
        var signatureDir = Path.Combine(contents, "_CodeSignature");
        var signature = CodeSignature.ReadDetached(name =>
            File.Exists(Path.Combine(signatureDir, name)) ? File.ReadAllBytes(Path.Combine(signatureDir, name)) : null)!;
        var infoPlist = Path.Combine(contents, "Info.plist");
        var findings = new List<Finding>();

        var (directories, cms, classification) = new CodeSignatureVerifier().VerifySignature(signature, File.ReadAllBytes(infoPlist), 0,
            new FileBundleSlotSource(infoPlist, Path.Combine(signatureDir, "CodeResources")), "bundle", bundle, findings);

        var facts = Manifest(bundle).GetProperty("detached_signature");
        Assert.Equal(facts.GetProperty("CodeDirectory").GetProperty("cdhash").GetString(), directories[0].Directory.CdHashHex);
        Assert.Equal(facts.GetProperty("CodeRequirements-1").GetProperty("cdhash").GetString(), directories[1].Directory.CdHashHex);
        Assert.Equal(CodeHashType.Sha256, signature.Best!.HashType);
        Assert.Equal(0, signature.CmsSignature!.Value.Length);
        Assert.Null(cms);
        Assert.Equal(SignatureClassification.AdHoc, classification);
        if (valid)
        {
            Assert.DoesNotContain(findings, f => f.Severity == FindingSeverity.Error);
            Assert.All(directories, d => Assert.All(d.SpecialSlots, s => Assert.Equal(SpecialSlotStatus.Valid, s.Status)));
        }
        else
        {
            // The signature was copied from another bundle: its Info.plist slot (and the code slot over it) differ.
            Assert.Contains(findings, f => f.Kind == FindingKind.SpecialSlotMismatch && f.Detail.StartsWith("Info.plist"));
            Assert.Contains(directories, d => d.SpecialSlots.Any(s => s.Slot == CodeSigningSlot.ResourceDirectory && s.Status == SpecialSlotStatus.Valid));
        }
    }

    [RealFixturesFact]
    public void ReadDetached_UnsignedBundle_ReturnsNull()
    {
        var dir = Path.Combine(RepoPaths.RealFixtures, Entry, "None.bundle", "Contents", "_CodeSignature");

        Assert.Null(CodeSignature.ReadDetached(name => File.Exists(Path.Combine(dir, name)) ? File.ReadAllBytes(Path.Combine(dir, name)) : null));
    }

    private static JsonElement Manifest(string bundle) =>
        RealArtifacts.LoadManifest().EnumerateArray().Single(e => e.GetProperty("name").GetString() == Entry)
            .GetProperty("files").EnumerateArray().Single(f => f.GetProperty("path").GetString() == bundle).GetProperty("facts");
}
