using SigWatch.Core.CodeSigning.Requirements;
using SigWatch.Core.Plist;

namespace SigWatch.Core.Verification;

/// <summary>
/// The designated requirement of verified code — the explicit one from its internal requirements, or the one Apple would
/// synthesize (StaticCode.cpp <c>defaultDesignatedRequirement</c>) — and whether the code satisfies it, judged with the
/// subject SEC's requirement context holds (identifier, team, cdhashes, chain, entitlements, Info.plist). What
/// <c>codesign -vv</c> checks after the signature itself; one implementation for the daemon and <c>check</c>.
/// </summary>
public sealed record DesignatedRequirementCheck(DesignatedRequirement? Designated, RequirementEvaluation? Evaluation, RequirementSubject Subject)
{
    /// <summary>"satisfied", "not-satisfied" or "unknown" (not decidable offline, or no requirement).</summary>
    public string Outcome => OutcomeName(Evaluation);

    public static DesignatedRequirementCheck Evaluate(VerificationReport report, PlistDictionary? infoPlist)
    {
        ArgumentNullException.ThrowIfNull(report);
        var subject = RequirementSubjects.FromReport(report, infoPlist);
        if (report.Verdict == SignatureVerdict.Unsigned)
        {
            return new DesignatedRequirementCheck(null, null, subject);
        }

        var designated = DesignatedRequirementSynthesizer.Resolve(InternalRequirements(report), subject, AppleRootCertificates.Pinned);
        return new DesignatedRequirementCheck(designated, designated is null ? null : RequirementEvaluator.Default.Evaluate(designated.Requirement, subject), subject);
    }

    public static string OutcomeName(RequirementEvaluation? evaluation) => evaluation?.Outcome switch
    {
        RequirementOutcome.Satisfied => "satisfied",
        RequirementOutcome.NotSatisfied => "not-satisfied",
        _ => "unknown",
    };

    private static RequirementSet? InternalRequirements(VerificationReport report)
    {
        var blob = report.Architectures.FirstOrDefault(a => a.Best is not null)?.Signature?.Requirements;
        return blob is not null && RequirementSet.TryDecode(blob.Bytes.Span, out var set, out _) ? set : null;
    }
}
