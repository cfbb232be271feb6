using SigWatch.Core.Bundles;
using SigWatch.Core.Seal;
using SigWatch.Core.Verification;

namespace SigWatch.Core.Assessment;

/// <summary>
/// One assessment of one bundle: what is stored and compared (<see cref="Facts"/>), what it cost (kept apart: it never
/// makes two assessments differ), and what the next assessment needs to look only at what changed.
/// </summary>
/// <param name="Path">The bundle directory (a <see cref="FileSystem.FileNames"/> string).</param>
/// <param name="Facts">Info.plist identity, tree, quarantine story, signature and seal, designated requirement.</param>
/// <param name="Cost">What this assessment looked at and how long it took.</param>
/// <param name="Inventory">The tree, per directory.</param>
/// <param name="Seal">The signature and seal report (with its re-verification state); null when not verified.</param>
/// <param name="Designated">The designated requirement and its evaluation; null when not verified.</param>
public sealed record BundleAssessment(string Path, BundleFacts Facts, AssessmentCost Cost, BundleInventory Inventory,
    BundleVerificationReport? Seal, DesignatedRequirementCheck? Designated)
{
    /// <summary>What a long-lived holder (the daemon, between assessments) keeps: no file's bytes, no certificates.</summary>
    public BundleAssessment Detach() => this with { Seal = Seal?.Detach(), Designated = null };
}

/// <summary>
/// What an assessment looked at: whether the paths that changed since the previous one were known (from the watcher)
/// and how many, and what the seal verification walked and hashed. An unchanged bundle re-assessed with its changes
/// known walks nothing whole and hashes nothing.
/// </summary>
/// <param name="ChangesKnown">False when everything was examined (first sight, reconcile, watcher overflow, restart).</param>
/// <param name="ChangedPaths">Paths the watcher reported inside the bundle (0 when unknown).</param>
/// <param name="SealFullWalks">Bundles (the outer one and nested ones) whose seal was walked whole.</param>
/// <param name="SealRegionWalks">Changed regions walked instead.</param>
/// <param name="FilesHashed">Files read and hashed.</param>
/// <param name="BytesHashed">Bytes read and hashed.</param>
/// <param name="DigestCacheHits">Files whose digest came from the per-file cache.</param>
/// <param name="Milliseconds">Wall time of the assessment.</param>
public sealed record AssessmentCost(bool ChangesKnown, int ChangedPaths, long SealFullWalks, long SealRegionWalks, long FilesHashed,
    long BytesHashed, long DigestCacheHits, long Milliseconds);
