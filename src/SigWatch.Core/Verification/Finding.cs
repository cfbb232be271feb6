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

    /// <summary>A file or symlink in the bundle that the seal does not list (codesign: "file added").</summary>
    FileAdded,

    /// <summary>A sealed, non-optional resource that is no longer there (codesign: "file missing").</summary>
    FileMissing,

    /// <summary>A sealed file whose digest differs, or whose type changed (file, symlink, nested code; codesign: "file modified").</summary>
    FileModified,

    /// <summary>A sealed symlink that now points somewhere else.</summary>
    SymlinkModified,

    /// <summary>Nested code (framework, helper, XPC service, plug-in, dylib) fails its own verification or its recorded requirement (codesign: "In subcomponent").</summary>
    NestedCodeInvalid,

    /// <summary>The nested code verified, but its recorded requirement cannot be decided offline.</summary>
    NestedRequirementUnchecked,

    /// <summary>The bundle's Info.plist differs from the one the signature binds (errSecCSInfoPlistFailed), or is gone.</summary>
    InfoPlistModified,

    /// <summary>_CodeSignature/CodeResources differs from the one the signature binds (errSecCSResourceDirectoryFailed), or is gone.</summary>
    ResourceEnvelopeModified,

    /// <summary>CodeResources is not a usable seal (errSecCSResourcesInvalid), or a bundle with resources has none (errSecCSResourcesNotFound).</summary>
    SealInvalid,

    /// <summary>Strict: the rules lack '^.*' or omit more than Apple allows (errSecCSWeakResourceRules).</summary>
    WeakResourceRules,

    /// <summary>Strict: a legacy seal with only files/rules and no files2 (errSecCSWeakResourceEnvelope).</summary>
    WeakResourceEnvelope,

    /// <summary>Strict: something beside Contents/ in an app, a framework root entry that is not a Versions/Current symlink, or a stray _CodeSignature file (errSecCSUnsealedAppRoot, errSecCSUnsealedFrameworkRoot).</summary>
    UnsealedRootContent,

    /// <summary>
    /// Strict: a sealed symlink does not resolve, resolves outside the bundle(s) or to a path the seal does not cover, or
    /// (absolute) outside /System and /Library (errSecCSInvalidSymlink).
    /// </summary>
    SymlinkEscapesBundle,

    /// <summary>Strict, off a Mac: an absolute symlink into /System or /Library that this host cannot resolve (a Mac may).</summary>
    SymlinkTargetUnchecked,

    /// <summary>Strict: a FIFO, socket or device node inside the bundle; never opened (errSecCSResourceNotSupported).</summary>
    UnsupportedFileType,

    /// <summary>Strict, version 2 seals: a resource carries a resource fork or Finder info (errSecCSInvalidAssociatedFileData).</summary>
    ResourceSidebandData,

    /// <summary>
    /// Strict: the Mach-O structure is suspicious (errSecCSBadMainExecutable): the image does not end where its __LINKEDIT
    /// ends (bytes appended after the signature, or a truncated file), or a universal file has bytes after its last slice
    /// or non-zero bytes between slices. Applies to bare files, bundle main executables and nested code alike.
    /// </summary>
    BadMainExecutable,

    /// <summary>A file or directory that cannot be read, vanished during the walk, or whose name cannot be represented.</summary>
    Unreadable,

    /// <summary>A file added and a sealed file missing whose names differ only in Unicode normalization (NFC vs NFD): one finding for the pair.</summary>
    NormalizationMismatch,

    /// <summary>The code does not satisfy the requirement it was checked against (errSecCSReqFailed).</summary>
    RequirementNotSatisfied,

    /// <summary>
    /// The native verifier (Security framework) rejected the code for a reason without an exact managed equivalent;
    /// the detail names the OSStatus.
    /// </summary>
    NativeValidationFailed,

    /// <summary>
    /// A Mach-O container whose (first) image is not loadable code: a static archive, an object file (SEC machorep.cpp
    /// <c>MachORep::candidate</c>). codesign reads it as a plain file: "code object is not signed at all" (verdict unsigned).
    /// </summary>
    NotCode,

    /// <summary>The bundle's Info.plist is not a readable property-list dictionary, although the bundle is signed (errSecCSBadDictionaryFormat).</summary>
    InfoPlistMalformed,

    /// <summary>The slices of a universal file are signed by different teams, or some with a team and some without (errSecCSSignatureInvalid).</summary>
    SlicesDisagree,

    /// <summary>A disk image's UDIF trailer or the signature it points at cannot be used (offsets, lengths, layout).</summary>
    MalformedDiskImage,

    /// <summary>An installer package's xar header, TOC, heap ranges or signature elements cannot be used.</summary>
    MalformedPackage,

    /// <summary>The hash of an installer package's compressed TOC differs from the checksum stored in its heap.</summary>
    TocChecksumMismatch,

    /// <summary>A file's bytes in an installer package's heap differ from the archived checksum its TOC records.</summary>
    ArchivedChecksumMismatch,
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
    /// <summary>The special slot a special-slot finding is about (1 = Info.plist, 3 = CodeResources, …); null otherwise.</summary>
    public uint? Slot { get; init; }

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
        FindingKind.SymlinkModified => "symlink-modified",
        FindingKind.NestedCodeInvalid => "nested-code-invalid",
        FindingKind.NestedRequirementUnchecked => "nested-requirement-unchecked",
        FindingKind.InfoPlistModified => "info-plist-modified",
        FindingKind.ResourceEnvelopeModified => "resource-envelope-modified",
        FindingKind.SealInvalid => "seal-invalid",
        FindingKind.WeakResourceRules => "weak-resource-rules",
        FindingKind.WeakResourceEnvelope => "weak-resource-envelope",
        FindingKind.UnsealedRootContent => "unsealed-root-content",
        FindingKind.SymlinkEscapesBundle => "symlink-escapes-bundle",
        FindingKind.SymlinkTargetUnchecked => "symlink-target-unchecked",
        FindingKind.UnsupportedFileType => "unsupported-file-type",
        FindingKind.ResourceSidebandData => "resource-sideband-data",
        FindingKind.BadMainExecutable => "bad-main-executable",
        FindingKind.Unreadable => "unreadable",
        FindingKind.NormalizationMismatch => "normalization-mismatch",
        FindingKind.RequirementNotSatisfied => "requirement-not-satisfied",
        FindingKind.NativeValidationFailed => "native-validation-failed",
        FindingKind.NotCode => "not-code",
        FindingKind.InfoPlistMalformed => "info-plist-malformed",
        FindingKind.SlicesDisagree => "slices-disagree",
        FindingKind.MalformedDiskImage => "malformed-disk-image",
        FindingKind.MalformedPackage => "malformed-package",
        FindingKind.TocChecksumMismatch => "toc-checksum-mismatch",
        FindingKind.ArchivedChecksumMismatch => "archived-checksum-mismatch",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}
