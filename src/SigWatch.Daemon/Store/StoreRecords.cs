using SigWatch.Core.Bundles;

namespace SigWatch.Daemon.Store;

/// <summary>Event kinds, spelled as stored and as the CLI's JSON shows them.</summary>
internal static class EventKinds
{
    public const string BundleAppeared = "bundle-appeared";
    public const string BundleChanged = AssessmentChanges.BundleChanged;
    public const string BundleRemoved = "bundle-removed";
    public const string QuarantineAdded = AssessmentChanges.QuarantineAdded;
    public const string QuarantineRemoved = AssessmentChanges.QuarantineRemoved;
    public const string QuarantineChanged = AssessmentChanges.QuarantineChanged;
}

internal sealed record BundleRecord(
    long Id,
    string Path,
    string Root,
    DateTimeOffset FirstSeen,
    DateTimeOffset LastSeen,
    DateTimeOffset? RemovedAt,
    AssessmentRecord? Latest);

internal sealed record AssessmentRecord(long Id, long BundleId, DateTimeOffset AssessedAt, BundleFacts Facts);

internal sealed record EventRecord(
    long Id,
    DateTimeOffset Time,
    string Kind,
    long BundleId,
    string BundlePath,
    long? AssessmentId,
    string Summary,
    ChangeSeverity Severity,
    IReadOnlyList<string> Flags);

/// <summary>What recording an assessment did: the assessment row (if a new one was needed) and events.</summary>
internal sealed record RecordOutcome(AssessmentRecord? Assessment, IReadOnlyList<EventRecord> Events);

internal sealed record BundleQuery(string? Root, string? PathContains, bool IncludeRemoved, long AfterId, int Limit);
