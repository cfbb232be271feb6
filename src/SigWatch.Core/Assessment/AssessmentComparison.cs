using System.Globalization;
using SigWatch.Core.Bundles;
using SigWatch.Core.FileSystem;
using SigWatch.Core.Quarantine;

namespace SigWatch.Core.Assessment;

/// <summary>How much an event matters to an admin.</summary>
public enum ChangeSeverity
{
    Info,
    Warning,
    Critical,
}

/// <summary>One event: what happened to a bundle, how much it matters, in one line.</summary>
public sealed record AssessmentChange(EventKind Kind, ChangeSeverity Severity, string Summary, IReadOnlyList<string> Flags)
{
    public string KindName => Kind.Name();
}

/// <summary>Where a bundle was found, which decides how much an unsigned one matters.</summary>
public enum RootKind
{
    /// <summary>Where apps are installed (/Applications): an unsigned app here is worth a warning.</summary>
    Installed,

    /// <summary>A user's Downloads folder: unsigned downloads are common and only noted.</summary>
    Downloads,
}

/// <summary>
/// Decides which events follow from an assessment: the first sight of a bundle, the comparison of two assessments, a
/// removal, an assessment that did not finish. Pure: the store persists what this returns, in one transaction with the
/// assessment.
/// </summary>
public static class AssessmentComparison
{
    /// <summary>Flag on quarantine-removed when the app had never been approved by the user.</summary>
    public const string PossibleGatekeeperBypass = "possible-gatekeeper-bypass";

    /// <summary>A root named <c>Downloads</c> holds downloads; any other holds installed apps.</summary>
    public static RootKind KindOfRoot(string root) =>
        string.Equals(Path.GetFileName(Path.TrimEndingDirectorySeparator(root)), "Downloads", StringComparison.Ordinal) ? RootKind.Downloads : RootKind.Installed;

    /// <summary>
    /// The events of a bundle seen for the first time (or again after removal): bundle-appeared — a warning when it
    /// arrives invalid, or unsigned where apps are installed, with the cause in the summary — and a verifier disagreement.
    /// </summary>
    public static IReadOnlyList<AssessmentChange> Appeared(BundleFacts facts, bool reappeared, RootKind root)
    {
        ArgumentNullException.ThrowIfNull(facts);
        if (facts.Kind is not null)
        {
            return [DownloadAppeared(facts, reappeared)];
        }

        var name = facts.BundleIdentifier ?? "(no CFBundleIdentifier)";
        var version = facts.ShortVersion is null ? string.Empty : " " + facts.ShortVersion;
        var summary = string.Create(CultureInfo.InvariantCulture, $"{(reappeared ? "reappeared: " : string.Empty)}{name}{version}, {facts.FileCount} files, {facts.TotalSize} bytes");
        if (facts.Unstable)
        {
            summary += "; UNSTABLE: still changing when assessed";
        }

        var severity = ChangeSeverity.Info;
        if (facts.Signature is { } signature)
        {
            // "unsigned (unsigned)" says one thing twice; a damaged unsigned-looking file is "invalid (unsigned)" and keeps it.
            summary += signature.Verdict == signature.Classification
                ? $"; signature {signature.Verdict}"
                : $"; signature {signature.Verdict} ({signature.Classification})";
            if (signature.Verdict == "invalid")
            {
                summary += ": " + Cause(signature);
                severity = ChangeSeverity.Warning;
            }
            else if (signature.Verdict == "unsigned" && root == RootKind.Installed)
            {
                severity = ChangeSeverity.Warning;
            }
        }

        if (facts.Quarantine is { } story)
        {
            summary += "; " + story.Describe();
        }

        var changes = new List<AssessmentChange> { new(EventKind.BundleAppeared, severity, summary, []) };
        if (Disagreement(null, facts) is { } disagreement)
        {
            changes.Add(disagreement);
        }

        return changes;
    }

    /// <summary>
    /// A download's arrival: its kind, identity, size, verdict and quarantine story in one line. An installer package or
    /// disk image that is unsigned or does not verify is a warning: it is about to be opened or installed.
    /// </summary>
    private static AssessmentChange DownloadAppeared(BundleFacts facts, bool reappeared)
    {
        var what = facts.Kind switch
        {
            DownloadKinds.DiskImage => "disk image",
            DownloadKinds.InstallerPackage => "installer package",
            _ => "archive",
        };
        var identity = facts.Kind == DownloadKinds.Archive
            ? facts.BundleName is null ? " without an app inside" : " containing " + facts.BundleName
            : facts.BundleIdentifier is null ? string.Empty : " " + facts.BundleIdentifier + (facts.ShortVersion is null ? string.Empty : " " + facts.ShortVersion);
        var summary = string.Create(CultureInfo.InvariantCulture, $"{(reappeared ? "reappeared: " : string.Empty)}{what}{identity}, {facts.TotalSize} bytes");
        var severity = ChangeSeverity.Info;
        if (facts.Signature is { } signature)
        {
            summary += signature.Verdict == signature.Classification ? $"; signature {signature.Verdict}" : $"; signature {signature.Verdict} ({signature.Classification})";
            if (signature.Verdict == "invalid")
            {
                summary += ": " + Cause(signature);
            }

            if (signature.Verdict != "valid" && facts.Kind != DownloadKinds.Archive)
            {
                severity = ChangeSeverity.Warning;
            }
        }

        if (facts.Kind == DownloadKinds.Archive && facts.WalkProblems.Count > 0)
        {
            // AppleDouble debris inside: said before anyone unpacks it (USER-PROBLEMS: seals broken by ._ files).
            summary += "; " + string.Join("; ", facts.WalkProblems);
            severity = ChangeSeverity.Warning;
        }

        if (facts.Quarantine is { } story)
        {
            summary += "; " + story.Describe();
        }

        return new AssessmentChange(EventKind.DownloadAppeared, severity, summary, []);
    }

    /// <summary>The bundle is gone from disk.</summary>
    public static AssessmentChange Removed() => new(EventKind.BundleRemoved, ChangeSeverity.Info, "no longer on disk", []);

    /// <summary>An assessment that did not finish; <paramref name="reason"/> says why and when it is tried again.</summary>
    public static AssessmentChange Incomplete(string reason) => new(EventKind.AssessmentIncomplete, ChangeSeverity.Warning, reason, []);

    /// <summary>
    /// Why a signature does not verify, in one line: the first error finding (a sealed path with its invisible characters
    /// spelled as U+ escapes, so an NFC and an NFD name can be told apart), then the first diagnosis.
    /// </summary>
    public static string Cause(SignatureSummary signature)
    {
        ArgumentNullException.ThrowIfNull(signature);
        var first = signature.Findings.FirstOrDefault(f => f.Severity == "error");
        if (first is null)
        {
            return signature.Verdict;
        }

        var cause = SignatureSummary.DescribeErrors([first], max: 1);
        if (first.Path is { } path && path.Any(c => c > 0x7E))
        {
            cause += $" ({FileNames.CodePoints(path)})";
        }

        var errors = signature.Findings.Count(f => f.Severity == "error");
        if (errors > 1)
        {
            cause += string.Create(CultureInfo.InvariantCulture, $" and {errors - 1} more");
        }

        if (signature.Diagnoses.FirstOrDefault() is { } diagnosis)
        {
            cause += $" — {diagnosis.Kind}: {diagnosis.Explanation}";
        }

        return cause;
    }

    /// <summary>The events that follow from <paramref name="current"/> after <paramref name="previous"/> (their values differ).</summary>
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

        if (current.Kind is not null)
        {
            // A download: one event for what changed in the file and its signature; quarantine changes follow as for apps.
            var verdictBefore = previous.Signature?.Verdict;
            var verdictNow = current.Signature?.Verdict;
            if (!string.Equals(verdictBefore, verdictNow, StringComparison.Ordinal))
            {
                described.Add($"signature {verdictBefore ?? "none"} -> {verdictNow ?? "none"}{(current.Signature is { Verdict: "invalid" } s ? ": " + Cause(s) : string.Empty)}");
            }

            if (described.Count == 0 && !string.Equals(previous.TreeFingerprint, current.TreeFingerprint, StringComparison.Ordinal))
            {
                described.Add("the file was rewritten");
            }

            if (described.Count > 0)
            {
                var worse = verdictBefore == "valid" && verdictNow != "valid" && current.Kind != DownloadKinds.Archive;
                changes.Add(new AssessmentChange(EventKind.DownloadChanged, worse ? ChangeSeverity.Warning : ChangeSeverity.Info, string.Join("; ", described), []));
            }
        }
        else
        {
            if (described.Count > 0)
            {
                changes.Add(new AssessmentChange(EventKind.BundleChanged, ChangeSeverity.Info, string.Join("; ", described), []));
            }

            CompareSignatures(previous.Signature, current.Signature, changes);
            if (Disagreement(previous, current) is { } disagreement)
            {
                changes.Add(disagreement);
            }
        }

        var was = previous.Quarantine?.Quarantine;
        var now = current.Quarantine?.Quarantine;
        if (was is null && now is not null)
        {
            changes.Add(new AssessmentChange(EventKind.QuarantineAdded, ChangeSeverity.Info, $"com.apple.quarantine added: {now.Raw}", []));
        }
        else if (was is not null && now is null)
        {
            // Removing quarantine from an app the user never approved skips Gatekeeper's first-run
            // check (USER-PROBLEMS.md row 5). Approval is inferred from flag 0x0040 (Observed confidence).
            var neverApproved = was.UserApproved != true;
            changes.Add(new AssessmentChange(
                EventKind.QuarantineRemoved,
                neverApproved ? ChangeSeverity.Critical : ChangeSeverity.Warning,
                neverApproved
                    ? $"com.apple.quarantine removed (was {was.Raw}) from an app the user never approved: possible Gatekeeper bypass, e.g. `xattr -dr com.apple.quarantine`"
                    : $"com.apple.quarantine removed (was {was.Raw}); the app had been approved by the user",
                neverApproved ? [PossibleGatekeeperBypass] : []));
        }
        else if (was is not null && now is not null && !string.Equals(was.Raw, now.Raw, StringComparison.Ordinal))
        {
            var approvedNow = was.UserApproved != true && now.UserApproved == true ? " (now approved by the user)" : string.Empty;
            changes.Add(new AssessmentChange(EventKind.QuarantineChanged, ChangeSeverity.Info, $"com.apple.quarantine {was.Raw} -> {now.Raw}{approvedNow}", []));
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
        return new AssessmentChange(EventKind.VerifierDisagreement, ChangeSeverity.Warning, summary, []);
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
            var reason = after.Verdict == "unsigned" ? $"the signature is gone: {after.DescribeErrors(max: 1)}" : Cause(after);
            changes.Add(new AssessmentChange(EventKind.SealBroken, ChangeSeverity.Critical, $"signature no longer valid: {reason}", []));
            return;
        }

        if (!before.IsValid && after.IsValid)
        {
            changes.Add(new AssessmentChange(EventKind.SignatureRestored, ChangeSeverity.Info, $"signature valid again ({after.Classification})", []));
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
            changes.Add(new AssessmentChange(EventKind.SignatureChanged, ChangeSeverity.Warning, string.Join("; ", differences), []));
        }
    }
}
