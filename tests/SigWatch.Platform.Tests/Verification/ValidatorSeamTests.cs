using SigWatch.Core.Verification;
using SigWatch.TestSupport;
using SigWatch.TestSupport.Builders;

namespace SigWatch.Platform.Tests.Verification;

// The ICodeSignatureValidator seam the daemon uses to run the managed and native verifiers side by side.
public class ValidatorSeamTests
{
    private static SigningSummary Summary(string? identifier = "com.example.test", string? cdhash = "aa", uint? flags = 2,
        string[]? certs = null, DateTimeOffset? timestamp = null) =>
        new(identifier, null, cdhash, flags, certs ?? [], null, timestamp, false, null);

    private static CodeSignatureAssessment Assessment(string validator, AssessmentVerdict verdict, SigningSummary? signing) =>
        new(validator, "/x", verdict, [], signing);

    [Fact]
    public void Compare_SameFacts_NoDifferences() =>
        Assert.Empty(AssessmentComparer.Compare(
            Assessment("managed", AssessmentVerdict.Valid, Summary()),
            Assessment("native", AssessmentVerdict.Valid, Summary(cdhash: "AA"))));

    [Fact]
    public void Compare_VerdictAndFieldsDiffer_ReportsEach()
    {
        var differences = AssessmentComparer.Compare(
            Assessment("managed", AssessmentVerdict.Valid, Summary(certs: ["01", "02"])),
            Assessment("native", AssessmentVerdict.Invalid, Summary(identifier: "com.other", flags: 0x10002, certs: ["01"])));
        Assert.Equal(
            [new AssessmentDifference("verdict", "valid", "invalid"), new AssessmentDifference("identifier", "com.example.test", "com.other"),
             new AssessmentDifference("flags", "2", "10002"), new AssessmentDifference("certificates", "01,02", "01")],
            differences);
    }

    [Fact]
    public void Compare_UnknownVerdictOrMissingField_IsNotADisagreement()
    {
        Assert.Empty(AssessmentComparer.Compare(
            Assessment("managed", AssessmentVerdict.Unknown, Summary(cdhash: null)),
            Assessment("native", AssessmentVerdict.Invalid, Summary(cdhash: "bb"))));
        Assert.Empty(AssessmentComparer.Compare(
            Assessment("managed", AssessmentVerdict.Valid, null),
            Assessment("native", AssessmentVerdict.Valid, Summary())));
    }

    [Fact]
    public void Compare_NativeCdHashOfAnotherSlice_IsTheSameCode()
    {
        var managed = Summary(cdhash: "aa") with { SliceCdHashes = ["aa", "bb"] };
        Assert.Empty(AssessmentComparer.Compare(
            Assessment("managed", AssessmentVerdict.Valid, managed),
            Assessment("native", AssessmentVerdict.Valid, Summary(cdhash: "BB"))));
        var difference = Assert.Single(AssessmentComparer.Compare(
            Assessment("managed", AssessmentVerdict.Valid, managed),
            Assessment("native", AssessmentVerdict.Valid, Summary(cdhash: "cc"))));
        Assert.Equal("cdhash", difference.Field);
    }

    [Fact]
    public void Compare_TimestampsAtSecondPrecision()
    {
        var t = new DateTimeOffset(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);
        Assert.Empty(AssessmentComparer.Compare(
            Assessment("managed", AssessmentVerdict.Valid, Summary(timestamp: t)),
            Assessment("native", AssessmentVerdict.Valid, Summary(timestamp: t.AddMilliseconds(400)))));
        Assert.Single(AssessmentComparer.Compare(
            Assessment("managed", AssessmentVerdict.Valid, Summary(timestamp: t)),
            Assessment("native", AssessmentVerdict.Valid, Summary(timestamp: t.AddSeconds(1)))));
    }

    [Fact]
    public void ManagedValidator_AdHocBinary_IsValidWithSummary()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("tool");
        File.WriteAllBytes(path, new MachOBuilder { Identifier = "com.example.seam" }.Build());

        var assessment = new ManagedCodeSignatureValidator().Validate(path);

        Assert.Equal("managed", assessment.Validator);
        Assert.Equal(AssessmentVerdict.Valid, assessment.Verdict);
        Assert.Equal("com.example.seam", assessment.Signing?.Identifier);
        Assert.Equal(40, assessment.Signing?.CdHash?.Length);
        Assert.Equal(2u, assessment.Signing?.Flags & 2u);
        Assert.Equal([assessment.Signing!.CdHash!], assessment.Signing.SliceCdHashes);
    }

    [Fact]
    public void ManagedValidator_UnsignedBinary_IsUnsigned()
    {
        using var dir = new TempDirectory();
        var path = dir.Combine("tool");
        File.WriteAllBytes(path, new MachOBuilder().Unsigned().Build());
        var assessment = new ManagedCodeSignatureValidator().Validate(path);
        Assert.Equal(AssessmentVerdict.Unsigned, assessment.Verdict);
        Assert.Null(assessment.Signing);
    }

    [Fact]
    public void ManagedValidator_MissingFileOrDirectory_IsUnknown()
    {
        using var dir = new TempDirectory();
        var missing = new ManagedCodeSignatureValidator().Validate(dir.Combine("absent"));
        Assert.Equal(AssessmentVerdict.Unknown, missing.Verdict);
        Assert.Equal(FindingKind.Unreadable, Assert.Single(missing.Findings).Kind);
        Assert.Equal(AssessmentVerdict.Unknown, new ManagedCodeSignatureValidator().Validate(dir.Path).Verdict);
    }
}

public class CodeSignatureValidatorsTests
{
    [Fact]
    public void ForCurrentPlatform_ManagedFirst_NativeOnlyOnMacOS()
    {
        var validators = CodeSignatureValidators.ForCurrentPlatform();
        Assert.Equal("managed", validators[0].Name);
        Assert.Equal(OperatingSystem.IsMacOS() ? ["managed", "native"] : ["managed"], validators.Select(v => v.Name).ToArray());
    }
}

public class FindingKindNameTests
{
    [Fact]
    public void EveryKind_HasAUniqueKebabCaseName()
    {
        var names = Enum.GetValues<FindingKind>().Select(FindingKinds.Name).ToList();
        Assert.Equal(names.Count, names.Distinct(StringComparer.Ordinal).Count());
        Assert.All(names, n => Assert.Matches("^[a-z0-9]+(-[a-z0-9]+)*$", n));
    }

    [Theory]
    [InlineData(FindingKind.FileAdded, "file-added")]
    [InlineData(FindingKind.FileMissing, "file-missing")]
    [InlineData(FindingKind.FileModified, "file-modified")]
    [InlineData(FindingKind.NestedCodeInvalid, "nested-code-invalid")]
    [InlineData(FindingKind.InfoPlistModified, "info-plist-modified")]
    [InlineData(FindingKind.ResourceEnvelopeModified, "resource-envelope-modified")]
    [InlineData(FindingKind.UnsealedRootContent, "unsealed-root-content")]
    [InlineData(FindingKind.SymlinkEscapesBundle, "symlink-escapes-bundle")]
    [InlineData(FindingKind.Unreadable, "unreadable")]
    [InlineData(FindingKind.RequirementNotSatisfied, "requirement-not-satisfied")]
    [InlineData(FindingKind.NativeValidationFailed, "native-validation-failed")]
    public void KindsSharedWithTheSealVerifier_HaveTheAgreedNames(FindingKind kind, string name) =>
        Assert.Equal(name, FindingKinds.Name(kind));
}
