namespace SigWatch.Core.Quarantine;

/// <summary>
/// One row of the owning user's QuarantineEventsV2 database (LSQuarantineEvent), looked up by the
/// event id in the quarantine value (macos-integration.md §2.2).
/// </summary>
public sealed record QuarantineEvent
{
    public required string EventId { get; init; }

    /// <summary>LSQuarantineTimeStamp (CFAbsoluteTime, seconds since 2001-01-01 UTC).</summary>
    public DateTimeOffset? Time { get; init; }

    public string? AgentName { get; init; }

    public string? AgentBundleIdentifier { get; init; }

    /// <summary>LSQuarantineDataURLString: where the bytes came from.</summary>
    public string? DataUrl { get; init; }

    /// <summary>LSQuarantineOriginURLString: the page that linked to it.</summary>
    public string? OriginUrl { get; init; }

    public string? OriginTitle { get; init; }

    public string? SenderName { get; init; }

    public string? SenderAddress { get; init; }

    public long? TypeNumber { get; init; }

    /// <summary>
    /// The community's reading of LSQuarantineTypeNumber (0 web download … 5 other attachment).
    /// Inferred: Apple documents only the string constants in LSQuarantine.h.
    /// </summary>
    public string? TypeName => TypeNumber switch
    {
        0 => "web download",
        1 => "other download",
        2 => "email attachment",
        3 => "instant message attachment",
        4 => "calendar event attachment",
        5 => "other attachment",
        _ => null,
    };
}

/// <summary>What happened when the event id was looked up.</summary>
public enum ProvenanceLookupStatus
{
    /// <summary>The quarantine value carries no event id.</summary>
    NoEventId,

    Found,

    /// <summary>The database exists but has no row for the id (e.g. history cleared).</summary>
    NotFound,

    /// <summary>No database for the owning user (no home, or never created).</summary>
    NoDatabase,

    /// <summary>The database could not be read (permission — on macOS, Full Disk Access — or damage).</summary>
    Unreadable,
}

public sealed record ProvenanceLookup(ProvenanceLookupStatus Status, QuarantineEvent? Event, string? Detail)
{
    public static ProvenanceLookup NoEventId { get; } = new(ProvenanceLookupStatus.NoEventId, null, null);

    /// <summary>The kebab-case status as JSON and the protocol spell it ("no-event-id", "found", …).</summary>
    public string StatusName => Status switch
    {
        ProvenanceLookupStatus.NoEventId => "no-event-id",
        ProvenanceLookupStatus.Found => "found",
        ProvenanceLookupStatus.NotFound => "not-found",
        ProvenanceLookupStatus.NoDatabase => "no-database",
        _ => "unreadable",
    };
}

/// <summary>Looks quarantine event ids up in the QuarantineEventsV2 database of the user who owns a path.</summary>
public interface IQuarantineEventLookup
{
    ProvenanceLookup Lookup(string itemPath, string eventId);
}
