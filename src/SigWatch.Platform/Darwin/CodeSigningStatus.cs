using System.Collections.Frozen;
using System.Globalization;
using SigWatch.Core.Verification;

namespace SigWatch.Platform.Darwin;

/// <summary>What an OSStatus from a validity check says about the code.</summary>
public enum StatusMeaning
{
    /// <summary>errSecSuccess: the code passed.</summary>
    Valid,

    /// <summary>The code is not signed.</summary>
    Unsigned,

    /// <summary>The code was examined and rejected.</summary>
    Invalid,

    /// <summary>
    /// A problem with the call, the environment or the process (bad flags, code not found, file changed under us,
    /// internal error), or a status SigWatch does not know: no verdict about the code.
    /// </summary>
    Unknown,
}

/// <summary>One row of the OSStatus table.</summary>
public sealed record CodeSigningStatusInfo(int Status, string Name, StatusMeaning Meaning, FindingKind Kind, string Message);

/// <summary>
/// The errSecCS* OSStatus values (SEC:CSCommon.h, macos-integration.md §3.4) with what each means for a verdict and
/// which finding kind it maps to. All named constants live here; turning a status into an exception happens in one
/// place (Interop.Security.ThrowIfError). Kinds for statuses without an exact managed equivalent are
/// <see cref="FindingKind.NativeValidationFailed"/>: the OSStatus name in the detail keeps the precise reason.
/// </summary>
public static class CodeSigningStatus
{
    public const int Success = 0;
    public const int InvalidFlags = -67070;
    public const int StaticCodeNotFound = -67068;
    public const int InvalidAttributeValues = -67066;
    public const int NoSuchCode = -67065;
    public const int GuestInvalid = -67063;
    public const int Unsigned = -67062;
    public const int SignatureFailed = -67061;
    public const int ResourcesInvalid = -67055;
    public const int BadResource = -67054;
    public const int ReqInvalid = -67052;
    public const int ReqFailed = -67050;
    public const int StaticCodeChanged = -67034;
    public const int InfoPlistFailed = -67030;
    public const int UnsignedNestedCode = -67022;
    public const int BadNestedCode = -67021;
    public const int UnsealedAppRoot = -67014;
    public const int InvalidSymlink = -67003;
    public const int SignatureUntrusted = -66996;

    private static readonly FrozenDictionary<int, CodeSigningStatusInfo> s_table = Build();

    /// <summary>Every status in the table, in numeric order (for tests and documentation).</summary>
    public static IEnumerable<CodeSigningStatusInfo> All => s_table.Values.OrderBy(i => i.Status);

    /// <summary>
    /// The row for a status. An unknown status yields <see cref="StatusMeaning.Unknown"/>: a guess must never turn
    /// into a wrong verdict.
    /// </summary>
    public static CodeSigningStatusInfo Describe(int status) =>
        s_table.TryGetValue(status, out var info)
            ? info
            : new CodeSigningStatusInfo(status, $"OSStatus {status.ToString(CultureInfo.InvariantCulture)}", StatusMeaning.Unknown,
                FindingKind.NativeValidationFailed, "the Security framework returned a status SigWatch does not recognise");

    public static string Name(int status) => Describe(status).Name;

    private static FrozenDictionary<int, CodeSigningStatusInfo> Build()
    {
        const StatusMeaning U = StatusMeaning.Unknown;
        const StatusMeaning I = StatusMeaning.Invalid;
        const FindingKind Native = FindingKind.NativeValidationFailed;
        var rows = new CodeSigningStatusInfo[]
        {
            new(Success, "errSecSuccess", StatusMeaning.Valid, Native, "valid"),
            new(-67072, "errSecCSUnimplemented", U, Native, "function or option not implemented"),
            new(-67071, "errSecCSInvalidObjectRef", U, Native, "invalid API object reference"),
            new(InvalidFlags, "errSecCSInvalidFlags", U, Native, "invalid or inappropriate API flag(s) specified"),
            new(-67069, "errSecCSObjectRequired", U, Native, "a required pointer argument was NULL"),
            new(StaticCodeNotFound, "errSecCSStaticCodeNotFound", U, FindingKind.Unreadable, "cannot find code object on disk"),
            new(-67067, "errSecCSUnsupportedGuestAttributes", U, Native, "cannot locate guests using this attribute set"),
            new(InvalidAttributeValues, "errSecCSInvalidAttributeValues", U, Native, "given attribute values are invalid"),
            new(NoSuchCode, "errSecCSNoSuchCode", U, Native, "host has no guest with the requested attributes (the process may be gone)"),
            new(-67064, "errSecCSMultipleGuests", U, Native, "ambiguous guest specification"),
            new(GuestInvalid, "errSecCSGuestInvalid", I, Native, "the running code is no longer valid (its kernel code-signing state was invalidated)"),
            new(Unsigned, "errSecCSUnsigned", StatusMeaning.Unsigned, FindingKind.NotSigned, "code object is not signed at all"),
            new(SignatureFailed, "errSecCSSignatureFailed", I, Native, "invalid signature (code or signature have been modified)"),
            new(-67060, "errSecCSSignatureNotVerifiable", I, Native, "the code signature cannot be verified"),
            new(-67059, "errSecCSSignatureUnsupported", I, FindingKind.MalformedSignature, "unsupported type or version of signature"),
            new(-67058, "errSecCSBadDictionaryFormat", I, FindingKind.ResourceEnvelopeModified, "a required plist or dictionary is malformed"),
            new(-67057, "errSecCSResourcesNotSealed", I, FindingKind.ResourceEnvelopeModified, "resources are present but not sealed"),
            new(-67056, "errSecCSResourcesNotFound", I, FindingKind.ResourceEnvelopeModified, "the resource envelope (CodeResources) is missing"),
            new(ResourcesInvalid, "errSecCSResourcesInvalid", I, FindingKind.FileModified, "a sealed resource is missing or invalid"),
            new(BadResource, "errSecCSBadResource", I, FindingKind.FileModified, "a sealed resource is missing or invalid"),
            new(-67053, "errSecCSResourceRulesInvalid", I, FindingKind.ResourceEnvelopeModified, "the resource rules are invalid"),
            new(ReqInvalid, "errSecCSReqInvalid", I, FindingKind.MalformedSignature, "invalid or corrupted code requirement"),
            new(-67051, "errSecCSReqUnsupported", I, FindingKind.MalformedSignature, "unsupported type or version of code requirement"),
            new(ReqFailed, "errSecCSReqFailed", I, FindingKind.RequirementNotSatisfied, "the code failed to satisfy a code requirement"),
            new(-67049, "errSecCSBadObjectFormat", I, FindingKind.MalformedMachO, "object file format invalid or unsuitable"),
            new(-67048, "errSecCSInternalError", U, Native, "internal error in the code-signing subsystem"),
            new(-67047, "errSecCSHostReject", U, Native, "the code host rejected the request"),
            new(-67046, "errSecCSNotAHost", U, Native, "the code is not a host"),
            new(-67045, "errSecCSSignatureInvalid", I, Native, "invalid signature (code or signature have been modified)"),
            new(-67044, "errSecCSHostProtocol (-67044)", U, Native, "host protocol error"),
            new(-67043, "errSecCSHostProtocol (-67043)", U, Native, "host protocol error"),
            new(-67042, "errSecCSHostProtocol (-67042)", U, Native, "host protocol error"),
            new(-67041, "errSecCSHostProtocol (-67041)", U, Native, "host protocol error"),
            new(-67040, "errSecCSHostProtocol (-67040)", U, Native, "host protocol error"),
            new(-67039, "errSecCSHostProtocol (-67039)", U, Native, "host protocol error"),
            new(-67037, "errSecCSNotSupported", U, Native, "operation not supported for this type of code"),
            new(-67036, "errSecCSCMSTooLarge", U, Native, "the CMS blob is too large (signing)"),
            new(-67035, "errSecCSHostProtocolInvalidHash", U, Native, "host protocol: invalid hash"),
            new(StaticCodeChanged, "errSecCSStaticCodeChanged", U, Native, "the code on disk changed during validation; retry"),
            new(-67033, "errSecCSDBDenied", U, Native, "signature database denied"),
            new(-67032, "errSecCSDBAccess", U, Native, "signature database not accessible"),
            new(-67031, "errSecCSHostProtocolInvalidAttribute", U, Native, "host protocol: invalid attribute"),
            new(InfoPlistFailed, "errSecCSInfoPlistFailed", I, FindingKind.InfoPlistModified, "Info.plist is missing, invalid or not the one the signature binds"),
            new(-67029, "errSecCSNoMainExecutable", I, Native, "the bundle has no main executable"),
            new(-67028, "errSecCSBadBundleFormat", I, Native, "bundle format unrecognized, invalid, or unsuitable"),
            new(-67027, "errSecCSNoMatches", U, Native, "no matches for search or update operation"),
            new(-67026, "errSecCSFileHardQuarantined", I, Native, "the file is hard-quarantined"),
            new(-67025, "errSecCSOutdated", U, Native, "the Security framework reports this code's signature as outdated"),
            new(-67024, "errSecCSDbCorrupt", U, Native, "system policy database corrupted"),
            new(-67023, "errSecCSResourceDirectoryFailed", I, FindingKind.ResourceEnvelopeModified, "the resource directory failed validation"),
            new(UnsignedNestedCode, "errSecCSUnsignedNestedCode", I, FindingKind.NestedCodeInvalid, "nested code is unsigned"),
            new(BadNestedCode, "errSecCSBadNestedCode", I, FindingKind.NestedCodeInvalid, "nested code is modified or invalid"),
            new(-67020, "errSecCSBadCallbackValue", U, Native, "monitor callback returned invalid value"),
            new(-67019, "errSecCSHelperFailed", U, Native, "the code-signing helper failed"),
            new(-67018, "errSecCSVetoed", U, Native, "the operation was vetoed"),
            new(-67017, "errSecCSBadLVArch", I, Native, "library validation: architecture mismatch"),
            new(-67016, "errSecCSResourceNotSupported", I, Native, "unsupported resource found (something not suitable for a sealed bundle)"),
            new(-67015, "errSecCSRegularFile", I, Native, "a regular file appears where a directory was expected (or vice versa)"),
            new(UnsealedAppRoot, "errSecCSUnsealedAppRoot", I, FindingKind.UnsealedRootContent, "unsealed contents present in the bundle root"),
            new(-67013, "errSecCSWeakResourceRules", I, Native, "resource envelope is obsolete (custom omit rules)"),
            new(-67012, "errSecCSDSStoreSymlink", I, Native, ".DS_Store is a symbolic link"),
            new(-67011, "errSecCSAmbiguousBundleFormat", I, Native, "bundle format is ambiguous (could be app or framework)"),
            new(-67010, "errSecCSBadMainExecutable", I, Native, "the main executable failed strict validation"),
            new(-67009, "errSecCSBadFrameworkVersion", I, Native, "embedded framework contains modified or invalid version"),
            new(-67008, "errSecCSUnsealedFrameworkRoot", I, FindingKind.UnsealedRootContent, "unsealed contents present in the root directory of an embedded framework"),
            new(-67007, "errSecCSWeakResourceEnvelope", I, Native, "resource envelope is obsolete (version 1 signature)"),
            new(-67006, "errSecCSCancelled", U, Native, "the operation was cancelled"),
            new(-67005, "errSecCSInvalidPlatform", U, Native, "invalid platform"),
            new(-67004, "errSecCSTooBig", U, Native, "the code is too big for the current signing format"),
            // UNSURE: that errSecCSInvalidSymlink is what strict validation reports for a link escaping the bundle is
            // inferred from its message ("invalid destination for symbolic link in bundle"), not confirmed on a Mac.
            // The verdict (invalid) does not depend on the guess; only the finding kind would be mislabelled.
            new(InvalidSymlink, "errSecCSInvalidSymlink", I, FindingKind.SymlinkEscapesBundle, "invalid destination for symbolic link in bundle"),
            new(-67002, "errSecCSNotAppLike", I, Native, "the code is valid but does not seem to be an app"),
            new(-67001, "errSecCSBadDiskImageFormat", I, Native, "disk image format unrecognized, invalid, or unsuitable"),
            new(-67000, "errSecCSUnsupportedDigestAlgorithm", I, FindingKind.MalformedSignature, "a signature uses an unsupported digest algorithm"),
            new(-66999, "errSecCSInvalidAssociatedFileData", I, Native, "resource fork, Finder information, or similar detritus not allowed"),
            new(-66998, "errSecCSInvalidTeamIdentifier", I, FindingKind.TeamIdMismatch, "a Team Identifier string is invalid"),
            new(-66997, "errSecCSBadTeamIdentifier", I, FindingKind.TeamIdMismatch, "a Team Identifier is wrong or inappropriate"),
            new(SignatureUntrusted, "errSecCSSignatureUntrusted", I, FindingKind.CertificateChainUntrusted, "the signature's certificate chain is not trusted"),
            new(-66995, "errSecMultipleExecSegments", I, FindingKind.MalformedMachO, "the image contains multiple executable segments"),
            new(-66994, "errSecCSInvalidEntitlements", I, Native, "invalid entitlement plist"),
            new(-66993, "errSecCSInvalidRuntimeVersion", I, Native, "an invalid runtime version was specified"),
            new(-66992, "errSecCSRevokedNotarization", I, Native, "the notarization ticket has been revoked"),
            new(-66991, "errSecCSCMSConstructionFailed", U, Native, "CMS construction failed (signing)"),
            new(-66990, "errSecCSRemoteSignerFailed", U, Native, "the remote signer failed (signing)"),
        };

        return rows.ToFrozenDictionary(r => r.Status);
    }
}
