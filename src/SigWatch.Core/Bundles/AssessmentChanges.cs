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
}
