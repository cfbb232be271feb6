namespace SigWatch.Core.Assessment;

/// <summary>
/// What an event says happened to a bundle. The kebab-case names (<see cref="EventKinds.Name"/>) are stored, shown in the
/// CLI's JSON and mapped to the protocol's <c>EventKind</c>: never rename one.
/// </summary>
public enum EventKind
{
    /// <summary>A bundle was seen for the first time, or reappeared after removal.</summary>
    BundleAppeared,

    /// <summary>A re-assessment found different facts (versions, files, size…).</summary>
    BundleChanged,

    /// <summary>The bundle is no longer on disk.</summary>
    BundleRemoved,

    QuarantineAdded,

    /// <summary>Critical and flagged <see cref="AssessmentComparison.PossibleGatekeeperBypass"/> when the app was never approved.</summary>
    QuarantineRemoved,

    QuarantineChanged,

    /// <summary>A valid bundle no longer verifies: critical.</summary>
    SealBroken,

    /// <summary>Another team or identity, hardened runtime dropped, new risky entitlements: warning.</summary>
    SignatureChanged,

    SignatureRestored,

    /// <summary>The managed and the native verifier disagree (macOS).</summary>
    VerifierDisagreement,

    /// <summary>The assessment did not finish (its deadline ran out, or it failed); it is retried with backoff.</summary>
    AssessmentIncomplete,

    /// <summary>
    /// A copy of a bundle that was valid elsewhere does not verify: critical, the headline (<see cref="CopyLineage"/>).
    /// Its summary is the notification text.
    /// </summary>
    CopyBrokeSeal,

    /// <summary>A download (.dmg, .pkg, .zip directly in a root) was seen: its verdict in the summary; a warning for an unsigned or invalid image or package.</summary>
    DownloadAppeared,

    /// <summary>A download's facts changed (rewritten, re-signed, quarantine story).</summary>
    DownloadChanged,
}

/// <summary>The one table of event kind names.</summary>
public static class EventKinds
{
    private static readonly Dictionary<EventKind, string> s_names = new()
    {
        [EventKind.BundleAppeared] = "bundle-appeared",
        [EventKind.BundleChanged] = "bundle-changed",
        [EventKind.BundleRemoved] = "bundle-removed",
        [EventKind.QuarantineAdded] = "quarantine-added",
        [EventKind.QuarantineRemoved] = "quarantine-removed",
        [EventKind.QuarantineChanged] = "quarantine-changed",
        [EventKind.SealBroken] = "seal-broken",
        [EventKind.SignatureChanged] = "signature-changed",
        [EventKind.SignatureRestored] = "signature-restored",
        [EventKind.VerifierDisagreement] = "verifier-disagreement",
        [EventKind.AssessmentIncomplete] = "assessment-incomplete",
        [EventKind.CopyBrokeSeal] = "copy-broke-seal",
        [EventKind.DownloadAppeared] = "download-appeared",
        [EventKind.DownloadChanged] = "download-changed",
    };

    private static readonly Dictionary<string, EventKind> s_kinds = s_names.ToDictionary(p => p.Value, p => p.Key, StringComparer.Ordinal);

    public static IReadOnlyCollection<EventKind> All => s_names.Keys;

    public static string Name(this EventKind kind) => s_names[kind];

    public static bool TryParse(string name, out EventKind kind) => s_kinds.TryGetValue(name, out kind);
}
