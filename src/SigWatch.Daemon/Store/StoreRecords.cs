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

    /// <summary>Under a source root (mounted volumes, --source-root): inventoried for copy lineage, never an event's subject.</summary>
    public bool Source { get; init; }

    /// <summary>Where the bundle came from, when it arrived as a copy or a move of a bundle seen valid elsewhere.</summary>
    public BundleLineage? Lineage { get; init; }
}

/// <param name="Relation">"copy" or "move".</param>
/// <param name="SourcePath">The original's path (name on disk); it may be gone since.</param>
internal sealed record BundleLineage(string Relation, long SourceBundleId, string SourcePath, long SourceAssessmentId, DateTimeOffset SourceValidAt);

/// <summary>What <see cref="SigWatchStore.RecordAssessmentAsync(string, string, Core.Bundles.BundleFacts, AssessmentCost, DateTimeOffset, Func{RecordContext, RecordDecision}, RecordOptions, CancellationToken)"/> tells the decision.</summary>
/// <param name="Previous">The latest stored facts; null for a new bundle or one that reappeared.</param>
/// <param name="SightingsOf">Where bundles with this identifier and team were last seen valid (not this bundle).</param>
internal sealed record RecordContext(Core.Bundles.BundleFacts? Previous, bool Reappeared, Func<BundleIdentity, IReadOnlyList<ValidSighting>> SightingsOf);

/// <summary>The events of an assessment, and the arrival traced for it (null: none).</summary>
internal sealed record RecordDecision(IReadOnlyList<AssessmentChange> Changes, Arrival? Arrival);

/// <param name="Source">The bundle is under a source root.</param>
/// <param name="Directory">The bundle directory's device and inode now (a sighting keeps them, to tell a move from a copy).</param>
internal sealed record RecordOptions(bool Source = false, FileIdentity? Directory = null);

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
