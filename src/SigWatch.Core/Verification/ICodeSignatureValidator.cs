using System.Globalization;

namespace SigWatch.Core.Verification;

/// <summary>
/// One code-signature validator behind a small seam: the managed verifier (<see cref="ManagedCodeSignatureValidator"/>,
/// any OS) and the Security-framework one (SigWatch.Platform.Darwin.NativeCodeSignatureValidator, macOS only).
/// On macOS the daemon runs both and records any <see cref="AssessmentComparer"/> difference as a
/// verifier-disagreement event.
/// </summary>
public interface ICodeSignatureValidator
{
    /// <summary>A short stable name stored with each assessment: <c>managed</c> or <c>native</c>.</summary>
    string Name { get; }

    /// <summary>
    /// Validates a Mach-O file or a bundle directory. Never throws for bad code: problems are findings, and a
    /// problem with the validator itself (not with the code) yields <see cref="AssessmentVerdict.Unknown"/>.
    /// </summary>
    CodeSignatureAssessment Validate(string path, CancellationToken cancellationToken = default);
}

/// <summary>The outcome of one validator. <see cref="Unknown"/> means "no verdict", never "valid" or "invalid".</summary>
public enum AssessmentVerdict
{
    Valid,
    Invalid,
    Unsigned,
    Unknown,
}

/// <summary>What one validator concluded about one path.</summary>
public sealed record CodeSignatureAssessment(
    string Validator,
    string Path,
    AssessmentVerdict Verdict,
    IReadOnlyList<Finding> Findings,
    SigningSummary? Signing);

/// <summary>
/// The signing facts both validators can report, in one shape so they can be compared field by field.
/// <see cref="CdHash"/> is the 20-byte cdhash in lowercase hex; <see cref="CertificateSha256"/> lists the chain
/// leaf first, each the SHA-256 of the DER certificate in lowercase hex (the form <c>CertificateInfo.Sha256</c> uses).
/// <see cref="DeclaredSigningTime"/> is asserted by the signer; <see cref="TimestampedSigningTime"/> is certified by
/// a time-stamping authority. <see cref="SliceCdHashes"/>, when known, lists the cdhash of every architecture of a
/// universal file: the framework reports the host architecture's cdhash, the managed verifier the first slice's.
/// </summary>
public sealed record SigningSummary(
    string? Identifier,
    string? TeamId,
    string? CdHash,
    uint? Flags,
    IReadOnlyList<string> CertificateSha256,
    DateTimeOffset? DeclaredSigningTime,
    DateTimeOffset? TimestampedSigningTime,
    bool HasEntitlements,
    string? DesignatedRequirement,
    IReadOnlyList<string>? SliceCdHashes = null);

/// <summary>One field on which two assessments of the same path differ.</summary>
public sealed record AssessmentDifference(string Field, string? Left, string? Right);

/// <summary>
/// Compares two assessments of the same path. An <see cref="AssessmentVerdict.Unknown"/> verdict or a field one side
/// cannot report (null) is not a disagreement: only facts both sides claim to know are compared.
/// </summary>
public static class AssessmentComparer
{
    public static IReadOnlyList<AssessmentDifference> Compare(CodeSignatureAssessment left, CodeSignatureAssessment right)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        var differences = new List<AssessmentDifference>();
        if (left.Verdict != AssessmentVerdict.Unknown && right.Verdict != AssessmentVerdict.Unknown && left.Verdict != right.Verdict)
        {
            differences.Add(new("verdict", Name(left.Verdict), Name(right.Verdict)));
        }

        if (left.Signing is { } l && right.Signing is { } r)
        {
            Add(differences, "identifier", l.Identifier, r.Identifier, StringComparer.Ordinal);
            Add(differences, "team-id", l.TeamId, r.TeamId, StringComparer.Ordinal);
            if (!SameCode(l, r))
            {
                Add(differences, "cdhash", l.CdHash, r.CdHash, StringComparer.OrdinalIgnoreCase);
            }

            Add(differences, "flags", Hex(l.Flags), Hex(r.Flags), StringComparer.Ordinal);
            if (l.CertificateSha256.Count > 0 && r.CertificateSha256.Count > 0)
            {
                Add(differences, "certificates", string.Join(",", l.CertificateSha256), string.Join(",", r.CertificateSha256),
                    StringComparer.OrdinalIgnoreCase);
            }

            Add(differences, "timestamp", Time(l.TimestampedSigningTime), Time(r.TimestampedSigningTime), StringComparer.Ordinal);
        }

        return differences;
    }

    /// <summary>The lowercase verdict name used in events and JSON.</summary>
    public static string Name(AssessmentVerdict verdict) => verdict switch
    {
        AssessmentVerdict.Valid => "valid",
        AssessmentVerdict.Invalid => "invalid",
        AssessmentVerdict.Unsigned => "unsigned",
        AssessmentVerdict.Unknown => "unknown",
        _ => throw new ArgumentOutOfRangeException(nameof(verdict), verdict, null),
    };

    // Two summaries describe the same code when their cdhashes match, or one's cdhash is another architecture of the
    // other's universal file.
    private static bool SameCode(SigningSummary left, SigningSummary right) =>
        (left.CdHash is { } l && right.SliceCdHashes?.Contains(l, StringComparer.OrdinalIgnoreCase) == true)
        || (right.CdHash is { } r && left.SliceCdHashes?.Contains(r, StringComparer.OrdinalIgnoreCase) == true);

    private static void Add(List<AssessmentDifference> differences, string field, string? left, string? right, StringComparer comparer)
    {
        if (left is not null && right is not null && !comparer.Equals(left, right))
        {
            differences.Add(new(field, left, right));
        }
    }

    private static string? Hex(uint? value) => value?.ToString("x", CultureInfo.InvariantCulture);

    // CMS and CF dates are both whole seconds in practice; compare at second precision so a sub-second rounding
    // difference between the two decoders is not reported as a disagreement.
    private static string? Time(DateTimeOffset? value) =>
        value?.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
