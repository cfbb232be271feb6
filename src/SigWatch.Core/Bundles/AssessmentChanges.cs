using SigWatch.Core.Quarantine;

namespace SigWatch.Core.Bundles;

/// <summary>How much an event matters to an admin.</summary>
public enum ChangeSeverity
{
    Info,
    Warning,
    Critical,
}

/// <summary>One event-worthy difference between two assessments of the same bundle.</summary>
public sealed record AssessmentChange(string Kind, ChangeSeverity Severity, string Summary, IReadOnlyList<string> Flags);

/// <summary>
/// Compares two assessments of a bundle and says what changed and how bad it is. Event kinds are
/// kebab-case and stable (they are stored and shown in the CLI's JSON).
/// </summary>
public static class AssessmentChanges
{
    public const string BundleChanged = "bundle-changed";
    public const string QuarantineAdded = "quarantine-added";
    public const string QuarantineRemoved = "quarantine-removed";
    public const string QuarantineChanged = "quarantine-changed";
    public const string SealBroken = "seal-broken";
    public const string SignatureRestored = "signature-restored";
    public const string SignatureChanged = "signature-changed";
    public const string VerifierDisagreement = "verifier-disagreement";

    /// <summary>Flag on quarantine-removed when the app had never been approved by the user.</summary>
    public const string PossibleGatekeeperBypass = "possible-gatekeeper-bypass";

    public static IReadOnlyList<AssessmentChange> Compare(BundleFacts previous, BundleFacts current)
    {
        var changes = new List<AssessmentChange>();
        var described = current.DescribeChangesFrom(previous).ToList();
        var before = previous.Quarantine?.QuarantinedFileCount ?? 0;
        var after = current.Quarantine?.QuarantinedFileCount ?? 0;
        if (before != after)
        {
            described.Add($"files inside carrying quarantine {before} -> {after}");
        }

        if (described.Count > 0)
        {
            changes.Add(new AssessmentChange(BundleChanged, ChangeSeverity.Info, string.Join("; ", described), []));
        }

        CompareSignatures(previous.Signature, current.Signature, changes);
        if (Disagreement(previous, current) is { } disagreement)
        {
            changes.Add(disagreement);
        }

        var was = previous.Quarantine?.Quarantine;
        var now = current.Quarantine?.Quarantine;
        if (was is null && now is not null)
        {
            changes.Add(new AssessmentChange(QuarantineAdded, ChangeSeverity.Info, $"com.apple.quarantine added: {now.Raw}", []));
        }
        else if (was is not null && now is null)
        {
            // Removing quarantine from an app the user never approved skips Gatekeeper's first-run
            // check (USER-PROBLEMS.md row 5). Approval is inferred from flag 0x0040 (Observed confidence).
            var neverApproved = was.UserApproved != true;
            changes.Add(new AssessmentChange(
                QuarantineRemoved,
                neverApproved ? ChangeSeverity.Critical : ChangeSeverity.Warning,
                neverApproved
                    ? $"com.apple.quarantine removed (was {was.Raw}) from an app the user never approved: possible Gatekeeper bypass, e.g. `xattr -dr com.apple.quarantine`"
                    : $"com.apple.quarantine removed (was {was.Raw}); the app had been approved by the user",
                neverApproved ? [PossibleGatekeeperBypass] : []));
        }
        else if (was is not null && now is not null && !string.Equals(was.Raw, now.Raw, StringComparison.Ordinal))
        {
            var approvedNow = was.UserApproved != true && now.UserApproved == true ? " (now approved by the user)" : string.Empty;
            changes.Add(new AssessmentChange(QuarantineChanged, ChangeSeverity.Info, $"com.apple.quarantine {was.Raw} -> {now.Raw}{approvedNow}", []));
        }

        return changes;
    }

    /// <summary>
    /// A verifier-disagreement event when the managed and native verifiers disagree now and did not
    /// disagree the same way before (<paramref name="previous"/> null: a new bundle). It carries both results.
    /// </summary>
    public static AssessmentChange? Disagreement(BundleFacts? previous, BundleFacts current)
    {
        var now = current.Signature?.VerifierDisagreements ?? [];
        var before = previous?.Signature?.VerifierDisagreements ?? [];
        if (now.Count == 0 || now.SequenceEqual(before, StringComparer.Ordinal))
        {
            return null;
        }

        var summary = $"managed verifier says {current.Signature!.Verdict}, native says {current.Signature.NativeVerdict ?? "(none)"}: {string.Join("; ", now)}";
        return new AssessmentChange(VerifierDisagreement, ChangeSeverity.Warning, summary, []);
    }

    private static void CompareSignatures(SignatureSummary? before, SignatureSummary? after, List<AssessmentChange> changes)
    {
        if (before is null || after is null)
        {
            return;
        }

        if (before.IsValid && !after.IsValid)
        {
            // The app was what its signature said and no longer is: what Gatekeeper will call
            // "damaged and can't be opened" (USER-PROBLEMS.md rows 1-3).
            var reason = after.Verdict == "unsigned" ? $"the signature is gone: {after.DescribeErrors(max: 1)}" : after.DescribeErrors();
            changes.Add(new AssessmentChange(SealBroken, ChangeSeverity.Critical, $"signature no longer valid: {reason}", []));
            return;
        }

        if (!before.IsValid && after.IsValid)
        {
            changes.Add(new AssessmentChange(SignatureRestored, ChangeSeverity.Info, $"signature valid again ({after.Classification})", []));
            return;
        }

        var differences = new List<string>();
        if (!string.Equals(before.TeamId, after.TeamId, StringComparison.Ordinal))
        {
            differences.Add($"team {before.TeamId ?? "(none)"} -> {after.TeamId ?? "(none)"}");
        }

        if (!string.Equals(before.Identifier, after.Identifier, StringComparison.Ordinal))
        {
            differences.Add($"identifier {before.Identifier ?? "(none)"} -> {after.Identifier ?? "(none)"}");
        }

        if (before.Classification != after.Classification)
        {
            differences.Add($"classification {before.Classification} -> {after.Classification}");
        }

        if (before.HardenedRuntime && !after.HardenedRuntime)
        {
            differences.Add("hardened runtime dropped");
        }

        var newRisky = after.RiskyEntitlements.Except(before.RiskyEntitlements, StringComparer.Ordinal).ToList();
        if (newRisky.Count > 0)
        {
            differences.Add("new risky entitlements: " + string.Join(", ", newRisky));
        }

        if (differences.Count > 0)
        {
            // A replaced app signed by someone else, or one that lost protections: worth a look (row 11).
            changes.Add(new AssessmentChange(SignatureChanged, ChangeSeverity.Warning, string.Join("; ", differences), []));
        }
    }
}
