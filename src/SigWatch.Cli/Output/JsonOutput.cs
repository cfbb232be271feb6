using System.Text.Json;
using System.Text.Json.Serialization;
using Google.Protobuf.WellKnownTypes;
using SigWatch.Protos.V1;

namespace SigWatch.Cli.Output;

// The CLI's JSON views of daemon data (docs/cli-json.md). Field names are part of the contract:
// add fields, never rename or remove them. Times are ISO 8601 UTC; absent values are null.

internal sealed record StatusJson(
    string Version,
    int Pid,
    DateTimeOffset? StartedAt,
    string SocketPath,
    string DatabasePath,
    int SchemaVersion,
    long BundleCount,
    long LastEventId,
    int PendingAssessments,
    long QuietWindowMs,
    IReadOnlyList<RootJson> Roots,
    CallerJson? Caller,
    EventLogJson? EventLog,
    ExporterJson? Otlp);

internal sealed record EventLogJson(bool Enabled, string Path, long LastEventId, long LastAssessmentId, long FileBytes, long LinesWritten,
    DateTimeOffset? LastWriteAt, string? LastError, DateTimeOffset? LastErrorAt);

internal sealed record ExporterJson(bool Enabled, string? Endpoint, string? Protocol, string? State, DateTimeOffset? LastSuccessAt, string? LastError,
    DateTimeOffset? LastErrorAt, long ExportedEvents, long Backlog, long DroppedEvents, long LastEventId, long MetricExports, long MetricExportFailures);

internal sealed record RootJson(string Path, bool Exists, bool Watching, long BundleCount, string? Problem, bool Hidden, bool Source);

internal sealed record CallerJson(uint Uid, IReadOnlyList<uint> Gids, bool Admin, string Role);

internal sealed record RescanJson(string? Path, int Queued);

internal sealed record DoctorJson(bool Ok, IReadOnlyList<DoctorCheckJson> Checks);

/// <param name="Outcome">"ok", "failed" or "unknown".</param>
internal sealed record DoctorCheckJson(string Name, string Outcome, string Summary, string? Remedy);

internal sealed record VersionJson(ProgramVersionJson Cli, DaemonVersionJson? Daemon, string? DaemonError);

internal sealed record ProgramVersionJson(string Version, string? Commit, string Runtime, string RuntimeIdentifier, string Os);

internal sealed record DaemonVersionJson(string Version, string? Commit, string Socket, int Pid, bool SameBuild);

internal sealed record BundleListJson(IReadOnlyList<BundleJson> Bundles, long TotalCount);

internal sealed record BundleShowJson(BundleJson Bundle, IReadOnlyList<AssessmentJson> History);

internal sealed record BundleJson(
    long Id,
    string Path,
    string Root,
    DateTimeOffset? FirstSeen,
    DateTimeOffset? LastSeen,
    DateTimeOffset? RemovedAt,
    AssessmentJson? Latest,
    string? Status,
    string? StatusDetail,
    DateTimeOffset? LastAssessedAt,
    AssessmentCostJson? LastCost,
    bool Source,
    LineageJson? Lineage);

internal sealed record LineageJson(string Relation, string SourcePath, long SourceBundleId, long SourceAssessmentId, DateTimeOffset? SourceValidAt);

internal sealed record AssessmentJson(
    long Id,
    DateTimeOffset? AssessedAt,
    string? BundleIdentifier,
    string? BundleName,
    string? ShortVersion,
    string? BundleVersion,
    string? Executable,
    bool HasInfoPlist,
    string? InfoPlistError,
    bool HasCodeResources,
    bool HasMainExecutable,
    long FileCount,
    long TotalSize,
    IReadOnlyList<string> WalkProblems,
    QuarantineJson? Quarantine,
    SignatureJson? Signature,
    bool Unstable,
    AssessmentCostJson? Cost,
    string Kind);

internal sealed record AssessmentCostJson(bool ChangesKnown, int ChangedPaths, long SealFullWalks, long SealRegionWalks, long FilesHashed,
    long BytesHashed, long DigestCacheHits, long Milliseconds);

internal sealed record SignatureJson(
    string Verdict,
    string Classification,
    string? Identifier,
    string? TeamId,
    string? Cdhash,
    bool HardenedRuntime,
    IReadOnlyList<string> Flags,
    DateTimeOffset? DeclaredSigningTime,
    DateTimeOffset? Timestamp,
    bool NotarizationTicketStapled,
    IReadOnlyList<string> Entitlements,
    IReadOnlyList<string> RiskyEntitlements,
    IReadOnlyList<FindingJson> Findings,
    int FindingCount,
    IReadOnlyList<DiagnosisJson> Diagnoses,
    string? NativeVerdict,
    IReadOnlyList<string> VerifierDisagreements,
    string? DesignatedRequirement,
    string? DesignatedRequirementSource,
    string? DesignatedRequirementSatisfied);

internal sealed record FindingJson(string Kind, string Severity, string? Path, string Detail);

internal sealed record DiagnosisJson(string Kind, IReadOnlyList<string> Paths, string Explanation, string Remedy);

internal sealed record QuarantineJson(
    bool Present,
    string? Raw,
    int? Flags,
    IReadOnlyList<QuarantineFlagJson> NamedFlags,
    DateTimeOffset? Time,
    string? Agent,
    string? EventId,
    string? ParseError,
    string UserApproved,
    ProvenanceJson Provenance,
    IReadOnlyList<string> WhereFroms,
    string? WhereFromsError,
    int QuarantinedFileCount,
    IReadOnlyList<string> QuarantinedFiles,
    string Story,
    IReadOnlyList<string> Problems);

internal sealed record QuarantineFlagJson(int Bit, string Name, string Meaning, string Confidence);

internal sealed record ProvenanceJson(
    string Status,
    string? Detail,
    DateTimeOffset? Time,
    string? AgentName,
    string? AgentBundleIdentifier,
    string? DataUrl,
    string? OriginUrl,
    string? OriginTitle,
    string? SenderName,
    string? SenderAddress,
    long? TypeNumber,
    string? TypeName);

internal sealed record EventListJson(IReadOnlyList<EventJson> Events, long LastId);

internal sealed record EventJson(
    long Id,
    DateTimeOffset? Time,
    string Kind,
    string Severity,
    IReadOnlyList<string> Flags,
    long BundleId,
    string BundlePath,
    long? AssessmentId,
    string Summary);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(StatusJson))]
[JsonSerializable(typeof(BundleListJson))]
[JsonSerializable(typeof(BundleShowJson))]
[JsonSerializable(typeof(EventListJson))]
[JsonSerializable(typeof(EventJson))]
[JsonSerializable(typeof(RescanJson))]
[JsonSerializable(typeof(VersionJson))]
[JsonSerializable(typeof(DoctorJson))]
internal sealed partial class CliJsonContext : JsonSerializerContext
{
    /// <summary>
    /// What every command writes: paths, versions and summaries read as written ('+', '`', non-ASCII letters are not
    /// \u-escaped). Only what JSON itself requires is escaped (quotes, backslash, control characters); the output is
    /// JSON for programs and terminals, never embedded in HTML, which is what the default encoder guards against.
    /// </summary>
    public static CliJsonContext Relaxed { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    /// <summary>One object per line, for streams (NDJSON); escaping as <see cref="Relaxed"/>.</summary>
    public static CliJsonContext Compact { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = false,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}

internal static class JsonMapping
{
    public static StatusJson ToJson(GetStatusResponse s) => new(
        s.Version, s.Pid, Time(s.StartedAt), s.SocketPath, s.DatabasePath, s.SchemaVersion, s.BundleCount,
        s.LastEventId, s.PendingAssessments, s.QuietWindowMs,
        [.. s.Roots.Select(r => new RootJson(r.Path, r.Exists, r.Watching, r.BundleCount, Text(r.Problem), r.Hidden, r.Source))],
        s.Caller is null ? null : new CallerJson(s.Caller.Uid, [.. s.Caller.Gids], s.Caller.Admin, s.Caller.Role),
        s.EventLog is not { } log ? null : new EventLogJson(log.Enabled, log.Path, log.LastEventId, log.LastAssessmentId, log.FileBytes, log.LinesWritten,
            Time(log.LastWriteAt), Text(log.LastError), Time(log.LastErrorAt)),
        s.Otlp is not { } otlp ? null : new ExporterJson(otlp.Enabled, Text(otlp.Endpoint), Text(otlp.Protocol), Text(otlp.State), Time(otlp.LastSuccessAt),
            Text(otlp.LastError), Time(otlp.LastErrorAt), otlp.ExportedEvents, otlp.Backlog, otlp.DroppedEvents, otlp.LastEventId, otlp.MetricExports,
            otlp.MetricExportFailures));

    public static BundleJson ToJson(Bundle b) => new(
        b.Id, b.Path, b.Root, Time(b.FirstSeen), Time(b.LastSeen), Time(b.RemovedAt), b.Latest is null ? null : ToJson(b.Latest),
        Text(b.Status), Text(b.StatusDetail), Time(b.LastAssessedAt), ToJson(b.LastCost), b.Source,
        b.Lineage is { } l ? new LineageJson(l.Relation, l.SourcePath, l.SourceBundleId, l.SourceAssessmentId, Time(l.SourceValidAt)) : null);

    public static AssessmentJson ToJson(Assessment a) => new(
        a.Id, Time(a.AssessedAt), Text(a.BundleIdentifier), Text(a.BundleName), Text(a.ShortVersion), Text(a.BundleVersion),
        Text(a.Executable), a.HasInfoPlist, Text(a.InfoPlistError), a.HasCodeResources, a.HasMainExecutable, a.FileCount,
        a.TotalSize, [.. a.WalkProblems], a.Quarantine is null ? null : ToJson(a.Quarantine), a.Signature is null ? null : ToJson(a.Signature), a.Unstable,
        ToJson(a.Cost), KindOf(a));

    /// <summary>"bundle" for an app bundle; the download kind (disk-image, installer-package, archive) for a file.</summary>
    public static string KindOf(Assessment? a) => string.IsNullOrEmpty(a?.Kind) ? "bundle" : a.Kind;

    public static AssessmentCostJson? ToJson(AssessmentCost? c) => c is null ? null
        : new AssessmentCostJson(c.ChangesKnown, c.ChangedPaths, c.SealFullWalks, c.SealRegionWalks, c.FilesHashed, c.BytesHashed, c.DigestCacheHits, c.Milliseconds);

    public static SignatureJson ToJson(Signature s) => new(
        s.Verdict, s.Classification, Text(s.Identifier), Text(s.TeamId), Text(s.Cdhash), s.HardenedRuntime, [.. s.Flags],
        Time(s.DeclaredSigningTime), Time(s.Timestamp), s.NotarizationTicketStapled, [.. s.Entitlements], [.. s.RiskyEntitlements],
        [.. s.Findings.Select(f => new FindingJson(f.Kind, f.Severity, Text(f.Path), f.Detail))], s.FindingCount,
        [.. s.Diagnoses.Select(d => new DiagnosisJson(d.Kind, [.. d.Paths], d.Explanation, d.Remedy))],
        Text(s.NativeVerdict), [.. s.VerifierDisagreements], Text(s.DesignatedRequirement), Text(s.DesignatedRequirementSource),
        Text(s.DesignatedRequirementSatisfied));

    public static QuarantineJson ToJson(Quarantine q) => new(
        q.Present, Text(q.Raw), q.FlagsParsed ? (int)q.Flags : null,
        [.. q.NamedFlags.Select(f => new QuarantineFlagJson((int)f.Bit, f.Name, f.Meaning, f.Confidence))],
        Time(q.Time), Text(q.Agent), Text(q.EventId), Text(q.ParseError), q.UserApproved,
        new ProvenanceJson(
            q.Provenance?.Status ?? "no-event-id", Text(q.Provenance?.Detail ?? string.Empty), Time(q.Provenance?.Time),
            Text(q.Provenance?.AgentName ?? string.Empty), Text(q.Provenance?.AgentBundleIdentifier ?? string.Empty),
            Text(q.Provenance?.DataUrl ?? string.Empty), Text(q.Provenance?.OriginUrl ?? string.Empty),
            Text(q.Provenance?.OriginTitle ?? string.Empty), Text(q.Provenance?.SenderName ?? string.Empty),
            Text(q.Provenance?.SenderAddress ?? string.Empty), q.Provenance is { TypeNumber: >= 0 } p ? p.TypeNumber : null,
            Text(q.Provenance?.TypeName ?? string.Empty)),
        [.. q.WhereFroms], Text(q.WhereFromsError), q.QuarantinedFileCount, [.. q.QuarantinedFiles], q.Story, [.. q.Problems]);

    public static EventJson ToJson(Event e) => new(
        e.Id, Time(e.Time), e.KindName, Text(e.Severity) ?? "info", [.. e.Flags], e.BundleId, e.BundlePath,
        e.AssessmentId == 0 ? null : e.AssessmentId, e.Summary);

    public static DateTimeOffset? Time(Timestamp? t) => t?.ToDateTimeOffset();

    private static string? Text(string value) => value.Length == 0 ? null : value;
}
