using SigWatch.Core.Assessment;
using SigWatch.Core.Bundles;

namespace SigWatch.Core.Tests.Assessment;

public sealed class AssessmentComparisonTests
{
    private static SignatureSummary Valid(string team = "ABCDE12345") => new()
    {
        Verdict = "valid",
        Classification = "developer-id",
        Identifier = "com.example.app",
        TeamId = team,
        HardenedRuntime = true,
    };

    [Fact]
    public void Compare_ValidThenFileModified_IsCriticalSealBrokenNamingTheFile()
    {
        var broken = Valid() with
        {
            Verdict = "invalid",
            Findings = [new SummaryFinding("file-modified", "error", "Resources/license.txt", "digest differs")],
            FindingCount = 1,
        };
        var change = Assert.Single(AssessmentComparison.Compare(new BundleFacts { Signature = Valid() }, new BundleFacts { Signature = broken }));
        Assert.Equal(EventKind.SealBroken, change.Kind);
        Assert.Equal(ChangeSeverity.Critical, change.Severity);
        Assert.Equal("signature no longer valid: file-modified Resources/license.txt", change.Summary);
    }

    [Fact]
    public void Compare_ReplacedByAnotherTeam_IsSignatureChangedWarning()
    {
        var change = Assert.Single(AssessmentComparison.Compare(new BundleFacts { Signature = Valid() }, new BundleFacts { Signature = Valid("ZZZZZ99999") }));
        Assert.Equal(EventKind.SignatureChanged, change.Kind);
        Assert.Equal(ChangeSeverity.Warning, change.Severity);
        Assert.Contains("team ABCDE12345 -> ZZZZZ99999", change.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Compare_InvalidThenValid_IsSignatureRestored_SameStateIsNothing()
    {
        var invalid = Valid() with { Verdict = "invalid" };
        Assert.Equal(EventKind.SignatureRestored, Assert.Single(AssessmentComparison.Compare(new BundleFacts { Signature = invalid }, new BundleFacts { Signature = Valid() })).Kind);
        Assert.Empty(AssessmentComparison.Compare(new BundleFacts { Signature = Valid() }, new BundleFacts { Signature = Valid() }));
    }

    [Fact]
    public void Disagreement_NewOrChanged_IsAWarningCarryingBothResults_RepeatedIsNot()
    {
        var disagreeing = new BundleFacts
        {
            Signature = Valid() with { NativeVerdict = "invalid", VerifierDisagreements = ["verdict: managed=valid native=invalid"] },
        };
        var first = AssessmentComparison.Disagreement(null, disagreeing);
        Assert.NotNull(first);
        Assert.Equal(EventKind.VerifierDisagreement, first.Kind);
        Assert.Equal(ChangeSeverity.Warning, first.Severity);
        Assert.Equal("managed verifier says valid, native says invalid: verdict: managed=valid native=invalid", first.Summary);
        Assert.Empty(AssessmentComparison.Compare(disagreeing, disagreeing));
        Assert.Null(AssessmentComparison.Disagreement(null, new BundleFacts { Signature = Valid() }));
    }

    [Fact]
    public void DescribeErrors_ManyFindings_ShowsTheFirstAndCountsTheRest()
    {
        var summary = Valid() with
        {
            Verdict = "invalid",
            Findings = [.. Enumerable.Range(0, 8).Select(i => new SummaryFinding("file-added", "error", $"Resources/f{i}", "added")), new SummaryFinding("notarization-not-checked", "info", null, "offline")],
        };
        Assert.Equal("file-added Resources/f0; file-added Resources/f1; and 6 more", summary.DescribeErrors(max: 2));
    }
}
