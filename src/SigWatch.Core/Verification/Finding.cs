namespace SigWatch.Core.Verification;

/// <summary>
/// What a finding is about. The kebab-case names (<see cref="FindingKinds.Name"/>) are the stable contract of
/// <c>sigwatch check --json</c> and are documented in docs/check-json.md; never rename one.
/// </summary>
public enum FindingKind
{
    /// <summary>The file (or one slice of a universal file) carries no code signature.</summary>
    NotSigned,

    /// <summary>The Mach-O container itself cannot be read (header, load commands, fat table).</summary>
    MalformedMachO,

    /// <summary>The signature is structurally broken: LC_CODE_SIGNATURE range, SuperBlob, CodeDirectory layout.</summary>
    MalformedSignature,

    /// <summary>A code page's digest differs from the CodeDirectory's code slot.</summary>
    PageHashMismatch,

    /// <summary>A bound component (Info.plist, requirements, CodeResources, entitlements, …) differs from its special slot.</summary>
    SpecialSlotMismatch,

    /// <summary>A special slot is bound but its component is absent from the signature or the bundle.</summary>
    SpecialSlotMissing,

    /// <summary>A special slot is bound but this context cannot supply the component (e.g. CodeResources for a bare binary).</summary>
    SpecialSlotUnchecked,

    /// <summary>The CMS blob cannot be decoded, or its signature or messageDigest does not verify over the CodeDirectory.</summary>
    CmsSignatureInvalid,

    /// <summary>The signed hash-agility attributes disagree with the cdhashes computed from the CodeDirectories.</summary>
    CdHashAttributeMismatch,

    /// <summary>A hash-agility attribute is present but could not be checked (never reported as a match).</summary>
    CdHashAttributeUnchecked,

    /// <summary>The signer's chain does not end at a pinned Apple root, or a certificate in it is not acceptable.</summary>
    CertificateChainUntrusted,

    /// <summary>A certificate was outside its validity period at the time used for the check.</summary>
    CertificateExpired,

    /// <summary>The leaf lacks what its profile needs (code-signing EKU; Developer ID OID and intermediate).</summary>
    CertificatePolicyViolation,

    /// <summary>The CodeDirectory's team identifier differs from the leaf certificate's OU.</summary>
    TeamIdMismatch,

    /// <summary>The RFC 3161 timestamp token is present but does not verify.</summary>
    TimestampInvalid,

    /// <summary>No CMS signature although the CodeDirectory does not carry the ad-hoc flag.</summary>
    AdHocFlagMissing,

    /// <summary>Certificate revocation needs Apple's OCSP servers: not checked (offline).</summary>
    RevocationNotChecked,

    /// <summary>Notarization needs Apple's ticket servers or a stapled ticket: not checked (offline).</summary>
    NotarizationNotChecked,

    // The kinds below are shared with the managed bundle seal verifier (parallel branch 'seal'); the native
    // Security-framework verifier maps its CFError user info onto them (SigWatch.Platform.Darwin).

    /// <summary>A file is present in the bundle but not in its resource seal.</summary>
    FileAdded,

    /// <summary>A sealed file is absent from the bundle.</summary>
    FileMissing,

    /// <summary>A sealed file's content differs from its seal.</summary>
    FileModified,

    /// <summary>Nested code (framework, helper, plug-in) is unsigned or fails its own validation.</summary>
    NestedCodeInvalid,

    /// <summary>The bundle's Info.plist differs from the one the signature binds.</summary>
    InfoPlistModified,

    /// <summary>The resource envelope (CodeResources) is missing, malformed or differs from its special slot.</summary>
    ResourceEnvelopeModified,

    /// <summary>Content sits at the bundle root (or framework root) where no seal can cover it.</summary>
    UnsealedRootContent,

    /// <summary>A symbolic link in the bundle points outside it.</summary>
    SymlinkEscapesBundle,

    /// <summary>The path (or part of the bundle) cannot be read.</summary>
    Unreadable,

    /// <summary>The code does not satisfy the requirement it was checked against (errSecCSReqFailed).</summary>
    RequirementNotSatisfied,

    /// <summary>
    /// The native verifier (Security framework) rejected the code for a reason without an exact managed equivalent;
    /// the detail names the OSStatus.
    /// </summary>
    NativeValidationFailed,
}

/// <summary>How a finding affects the verdict: only <see cref="Error"/> makes a signature invalid.</summary>
public enum FindingSeverity
{
    Error,
    Warning,
    Info,
}

/// <summary>
/// One verification result with its context: the path checked, the architecture (null for the whole file),
/// the file offset when one applies, and a human-readable detail.
/// </summary>
public sealed record Finding(FindingKind Kind, FindingSeverity Severity, string Detail, string? Path = null,
    string? Architecture = null, long? Offset = null)
{
    public string KindName => FindingKinds.Name(Kind);

    public override string ToString() =>
        $"{Severity.ToString().ToLowerInvariant()} {KindName}{(Architecture is null ? "" : $" [{Architecture}]")}: {Detail}";
}

public static class FindingKinds
{
    /// <summary>The stable kebab-case name, e.g. <c>page-hash-mismatch</c>.</summary>
    public static string Name(FindingKind kind) => kind switch
    {
        FindingKind.NotSigned => "not-signed",
        FindingKind.MalformedMachO => "malformed-macho",
        FindingKind.MalformedSignature => "malformed-signature",
        FindingKind.PageHashMismatch => "page-hash-mismatch",
        FindingKind.SpecialSlotMismatch => "special-slot-mismatch",
        FindingKind.SpecialSlotMissing => "special-slot-missing",
        FindingKind.SpecialSlotUnchecked => "special-slot-unchecked",
        FindingKind.CmsSignatureInvalid => "cms-signature-invalid",
        FindingKind.CdHashAttributeMismatch => "cdhash-attribute-mismatch",
        FindingKind.CdHashAttributeUnchecked => "cdhash-attribute-unchecked",
        FindingKind.CertificateChainUntrusted => "certificate-chain-untrusted",
        FindingKind.CertificateExpired => "certificate-expired",
        FindingKind.CertificatePolicyViolation => "certificate-policy-violation",
        FindingKind.TeamIdMismatch => "team-id-mismatch",
        FindingKind.TimestampInvalid => "timestamp-invalid",
        FindingKind.AdHocFlagMissing => "adhoc-flag-missing",
        FindingKind.RevocationNotChecked => "revocation-not-checked",
        FindingKind.NotarizationNotChecked => "notarization-not-checked",
        FindingKind.FileAdded => "file-added",
        FindingKind.FileMissing => "file-missing",
        FindingKind.FileModified => "file-modified",
        FindingKind.NestedCodeInvalid => "nested-code-invalid",
        FindingKind.InfoPlistModified => "info-plist-modified",
        FindingKind.ResourceEnvelopeModified => "resource-envelope-modified",
        FindingKind.UnsealedRootContent => "unsealed-root-content",
        FindingKind.SymlinkEscapesBundle => "symlink-escapes-bundle",
        FindingKind.Unreadable => "unreadable",
        FindingKind.RequirementNotSatisfied => "requirement-not-satisfied",
        FindingKind.NativeValidationFailed => "native-validation-failed",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}
