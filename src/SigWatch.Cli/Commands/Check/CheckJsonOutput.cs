using System.Text.Json;
using System.Text.Json.Serialization;

namespace SigWatch.Cli.Commands.Check;

/// <summary>
/// The <c>sigwatch check --json</c> document (docs/check-json.md). Fields may be added; none may be renamed.
/// </summary>
internal sealed record CheckJsonOutput(
    string Path,
    string Kind,
    string Verdict,
    CheckJsonSignature? Signature,
    IReadOnlyList<CheckJsonFinding> Findings,
    CheckJsonBundle? Bundle = null,
    IReadOnlyList<CheckJsonDiagnosis>? Diagnoses = null)
{
    /// <summary>The caller's --requirement and its outcome; null when none was given.</summary>
    public CheckJsonRequirement? Requirement { get; init; }

    /// <summary>The path's quarantine story; null when extended attributes could not be read.</summary>
    public CheckJsonQuarantine? Quarantine { get; init; }

    /// <summary>Disk-image facts (kind "disk-image" only): the UDIF trailer's signature fields and the stapled ticket.</summary>
    public CheckJsonDiskImage? DiskImage { get; init; }

    /// <summary>Installer-package facts (kind "installer-package" only).</summary>
    public CheckJsonInstallerPackage? InstallerPackage { get; init; }

    /// <summary>Zip archive facts (kind "archive" only), from its central directory.</summary>
    public CheckJsonArchive? Archive { get; init; }
}

internal sealed record CheckJsonArchive(
    int Entries,
    long CompressedBytes,
    long UncompressedBytes,
    bool LikelyZipBomb,
    IReadOnlyList<CheckJsonArchiveApp> Apps,
    int AppleDoubleEntries,
    IReadOnlyList<string> AppleDoubleExamples,
    int Symlinks);

internal sealed record CheckJsonArchiveApp(string Path, long Files, long Bytes);

internal sealed record CheckJsonInstallerPackage(
    string Flavor,
    string? ChecksumStyle,
    string? Checksum,
    bool? ChecksumValid,
    IReadOnlyList<string> SignatureStyles,
    bool? SignatureValid,
    string Classification,
    bool ChainTrusted,
    string? Anchor,
    IReadOnlyList<CheckJsonCertificate> Certificates,
    DateTimeOffset? SigningTime,
    bool TicketStapled,
    int? TicketBytes,
    IReadOnlyList<CheckJsonPackageComponent> Components,
    bool DistributionRunsScripts,
    long TrailingBytes);

internal sealed record CheckJsonPackageComponent(string Directory, string? Identifier, string? Version, string? InstallLocation, IReadOnlyList<string> Scripts);

/// <param name="TicketNamesCdhash">"yes" when this image's cdhash appears in the stapled ticket, "unknown" otherwise
/// (the ticket's format is undocumented), null without a ticket.</param>
internal sealed record CheckJsonDiskImage(
    uint? TrailerVersion,
    ulong? DataForkLength,
    ulong? SignatureOffset,
    ulong? SignatureLength,
    bool TicketStapled,
    int? TicketBytes,
    string? TicketNamesCdhash);

/// <summary>Bundle facts (kind "bundle" only): layout, main code, signing time, nested code and hashing cost.</summary>
internal sealed record CheckJsonBundle(
    string? Layout,
    string? ResourceRoot,
    string? Version,
    string? MainExecutable,
    DateTimeOffset? SigningTime,
    string? SigningTimeSource,
    IReadOnlyList<CheckJsonNestedCode> Nested,
    CheckJsonSealStatistics Statistics);

internal sealed record CheckJsonNestedCode(string Path, string Kind, string Verdict, string? Requirement, string? RequirementOutcome);

internal sealed record CheckJsonSealStatistics(long FilesHashed, long BytesHashed, long CacheHits);

/// <summary>One diagnosis; <c>paths</c> are raw (for normalization-mismatch: on-disk form, then sealed form), <c>pathsEscaped</c> show non-ASCII as U+XXXX.</summary>
internal sealed record CheckJsonDiagnosis(string Kind, IReadOnlyList<string> Paths, IReadOnlyList<string> PathsEscaped, string Explanation, string Remedy);
/// <summary>The quarantine of the checked path (and, for a bundle, of the files inside it).</summary>
internal sealed record CheckJsonQuarantine(
    bool Present,
    string? Raw,
    int? Flags,
    IReadOnlyList<string> NamedFlags,
    DateTimeOffset? Time,
    string? Agent,
    string? EventId,
    string UserApproved,
    string ProvenanceStatus,
    string? OriginUrl,
    IReadOnlyList<string> WhereFroms,
    string Story);

internal sealed record CheckJsonSignature(
    string? Identifier,
    string? TeamId,
    string Classification,
    bool HardenedRuntime,
    string Format,
    IReadOnlyList<CheckJsonArchitecture> Architectures,
    IReadOnlyList<CheckJsonCertificate> Certificates,
    DateTimeOffset? SigningTime,
    DateTimeOffset? Timestamp,
    string? Entitlements,
    string? DesignatedRequirement)
{
    /// <summary>"explicit" (from the signature) or "implicit" (the default Apple synthesizes); null when unknown.</summary>
    public string? DesignatedRequirementSource { get; init; }

    /// <summary>Whether the code satisfies its designated requirement: "satisfied", "not-satisfied" or "unknown".</summary>
    public string? DesignatedRequirementSatisfied { get; init; }
}

internal sealed record CheckJsonArchitecture(
    string Cpu,
    string? Cdhash,
    IReadOnlyList<string> Cdhashes,
    string? CodeDirectoryVersion,
    string? HashType,
    IReadOnlyList<string> Flags,
    int? PageSize,
    ulong? CodeLimit,
    string Classification,
    string? Identifier,
    string? TeamId,
    string? RuntimeVersion,
    IReadOnlyList<CheckJsonCodeDirectory> CodeDirectories);

internal sealed record CheckJsonCodeDirectory(
    string Slot,
    string HashType,
    string Cdhash,
    string CdhashFull,
    uint CodeSlots,
    int PagesMatched,
    IReadOnlyList<CheckJsonSpecialSlot> SpecialSlots);

internal sealed record CheckJsonSpecialSlot(int Slot, string Name, string Status);

internal sealed record CheckJsonCertificate(
    string Subject,
    string Issuer,
    string Sha256,
    string Sha1,
    DateTimeOffset NotBefore,
    DateTimeOffset NotAfter,
    string? CommonName,
    string? OrganizationalUnit,
    string? Organization);

internal sealed record CheckJsonFinding(
    string Kind,
    string Severity,
    string? Path,
    string? Architecture,
    string Detail,
    long? Offset);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(CheckJsonOutput))]
[JsonSerializable(typeof(NativeCheckJsonOutput))]
internal sealed partial class CheckJsonContext : JsonSerializerContext
{
    /// <summary>
    /// Serialises with relaxed escaping so subjects like "Developer ID Application: X (T)" stay readable;
    /// one context for the managed and the native (--native) documents.
    /// </summary>
    public static CheckJsonContext Relaxed { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
