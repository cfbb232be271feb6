using SigWatch.Core.Assessment;

namespace SigWatch.Daemon.Store;

/// <summary>
/// A bundle as stored. <see cref="Path"/> and <see cref="Root"/> are the names on disk (<see cref="Core.FileSystem.FileNames"/>
/// strings); the database keeps their display form.
/// </summary>
internal sealed record BundleRecord(
    long Id,
    string Path,
    string Root,
    DateTimeOffset FirstSeen,
    DateTimeOffset LastSeen,
    DateTimeOffset? RemovedAt,
    AssessmentRecord? Latest)
{
    /// <summary>"" when the last assessment completed; <see cref="SigWatchStore.StatusIncomplete"/> while one did not finish.</summary>
    public string Status { get; init; } = string.Empty;

    public string StatusDetail { get; init; } = string.Empty;

    /// <summary>When an assessment last completed, whether or not it found different facts.</summary>
    public DateTimeOffset? LastAssessedAt { get; init; }

    public AssessmentCost? LastCost { get; init; }
}

internal sealed record AssessmentRecord(long Id, long BundleId, DateTimeOffset AssessedAt, Core.Bundles.BundleFacts Facts, AssessmentCost? Cost = null);

internal sealed record EventRecord(
    long Id,
    DateTimeOffset Time,
    string Kind,
    long BundleId,
    string BundlePath,
    long? AssessmentId,
    string Summary,
    ChangeSeverity Severity,
    IReadOnlyList<string> Flags)
{
    /// <summary>The root the bundle was found under (whose owner may see the event).</summary>
    public string Root { get; init; } = string.Empty;
}

/// <summary>What recording an assessment did: the assessment row (when the facts differed from the last one) and events.</summary>
internal sealed record RecordOutcome(AssessmentRecord? Assessment, IReadOnlyList<EventRecord> Events);

/// <param name="HiddenRoots">Roots whose bundles the caller may not see (other users' Downloads): left out, and not counted.</param>
internal sealed record BundleQuery(string? Root, string? PathContains, bool IncludeRemoved, long AfterId, int Limit, IReadOnlyCollection<string>? HiddenRoots = null);

/// <summary>What GetStatus reports of the store, as of write <see cref="Version"/>.</summary>
internal sealed record StoreSummary(long Version, IReadOnlyDictionary<string, long> BundlesByRoot, long LastEventId);
