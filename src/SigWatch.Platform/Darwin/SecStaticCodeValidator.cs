using System.Runtime.Versioning;
using SigWatch.Core.Verification;
using SigWatch.Platform.Interop;

namespace SigWatch.Platform.Darwin;

/// <summary>Knobs for <see cref="SecStaticCodeValidator"/>.</summary>
public sealed class SecStaticCodeValidatorOptions
{
    /// <summary>How much to check; <see cref="ValidationDepth.Strict"/> is what <c>codesign --verify --deep --strict</c> does.</summary>
    public ValidationDepth Depth { get; init; } = ValidationDepth.Strict;

    /// <summary>Optional requirement the code must also satisfy (e.g. its expected designated requirement).</summary>
    public string? Requirement { get; init; }

    /// <summary>Copy the designated requirement text into the summary (one more framework call per assessment).</summary>
    public bool IncludeDesignatedRequirement { get; init; } = true;
}

/// <summary>
/// The native verifier: Apple's Security framework, the authority on a Mac, behind <see cref="ICodeSignatureValidator"/>.
/// SecStaticCodeCreateWithPath → SecStaticCodeCheckValidityWithErrors (flags from <see cref="SecCSFlagSets.ForDepth"/>)
/// → SecCodeCopySigningInformation(kSecCSSigningInformation). The OSStatus and CFError user info are mapped by
/// <see cref="NativeResultMapper"/>, the signing dictionary by <see cref="SigningInformationMapper"/>.
/// </summary>
/// <remarks>
/// Trust: the verdict is Apple's, offline (kSecCSNoNetworkAccess: no revocation, no notarization look-up). The
/// signing information is copied after validation, so on a valid verdict it describes what was validated; on an
/// invalid one it is what the signature claims, unverified. Cost: see <see cref="ValidationDepth"/>; the call blocks
/// and cannot be cancelled once started.
/// </remarks>
[SupportedOSPlatform("macos")]
public sealed class SecStaticCodeValidator : ICodeSignatureValidator, IDisposable
{

    private readonly SecStaticCodeValidatorOptions _options;
    private readonly SecRequirement? _requirement;

    public SecStaticCodeValidator(SecStaticCodeValidatorOptions? options = null)
    {
        if (!OperatingSystem.IsMacOS())
        {
            throw new PlatformNotSupportedException("the Security framework exists only on macOS");
        }

        _options = options ?? new SecStaticCodeValidatorOptions();

        // Compiled once, here: a requirement that does not parse is a configuration error (thrown now), not a
        // finding about whatever code is validated later.
        _requirement = _options.Requirement is null ? null : SecRequirement.Create(_options.Requirement);
    }

    public string Name => "native";

    public CodeSignatureAssessment Validate(string path, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        cancellationToken.ThrowIfCancellationRequested();
        var fullPath = Path.GetFullPath(path);
        try
        {
            return ValidateCore(fullPath);
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException or SecurityFrameworkException or ArgumentException)
        {
            // A problem with the framework or the call, not a fact about the code: no verdict.
            return new CodeSignatureAssessment(Name, fullPath, AssessmentVerdict.Unknown,
                [new Finding(FindingKind.NativeValidationFailed, FindingSeverity.Info, $"native validation did not run: {e.Message}", fullPath)],
                null);
        }
    }

    private CodeSignatureAssessment ValidateCore(string fullPath)
    {
        using var url = CoreFoundation.CFURLCreateFromPath(fullPath, Directory.Exists(fullPath));
        var status = Security.SecStaticCodeCreateWithPath(url, out var code);
        using (code)
        {
            if (status != CodeSigningStatus.Success)
            {
                var failed = NativeResultMapper.Map(status, null, fullPath, Libc.RealPath(fullPath));
                return new CodeSignatureAssessment(Name, fullPath, failed.Verdict, failed.Findings, null);
            }

            status = Security.SecStaticCodeCheckValidityWithErrors(code, SecCSFlagSets.ForDepth(_options.Depth), _requirement?.Handle,
                out var errors);
            IReadOnlyDictionary<string, object?> userInfo;
            using (errors)
            {
                userInfo = Security.CopyUserInfo(errors);
            }

            var outcome = NativeResultMapper.Map(status, userInfo, fullPath, Libc.RealPath(fullPath));
            return new CodeSignatureAssessment(Name, fullPath, outcome.Verdict, outcome.Findings, CopySummary(code));
        }
    }

    public void Dispose() => _requirement?.Dispose();

    /// <summary>The signing facts of a static or dynamic code object, or null when unsigned or unreadable.</summary>
    internal SigningSummary? CopySummary(SafeCFHandle code)
    {
        var status = Security.SecCodeCopySigningInformation(code, SecSigningInformationFlags.Signing, out var information);
        using (information)
        {
            if (status != CodeSigningStatus.Success || information.IsInvalid)
            {
                return null;
            }

            var dictionary = CFValueConverter.DictionaryToManaged(information.DangerousGetHandle());
            var certificates = CopyCertificates(information);
            var summary = SigningInformationMapper.ToSummary(dictionary, certificates, null, Security.SigningInfoKeys);
            if (summary is not null && _options.IncludeDesignatedRequirement)
            {
                summary = summary with { DesignatedRequirement = TryCopyDesignatedRequirement(code) };
            }

            return summary;
        }
    }

    // The designated requirement is a display field: failing to render it must not cost the verdict.
    private static string? TryCopyDesignatedRequirement(SafeCFHandle code)
    {
        try
        {
            return SecRequirement.CopyDesignatedRequirementText(code);
        }
        catch (SecurityFrameworkException)
        {
            return null;
        }
    }

    /// <summary>kSecCodeInfoCertificates as DER, leaf first; elements that are not SecCertificateRefs are skipped.</summary>
    internal static List<byte[]> CopyCertificates(SafeCFDictionaryHandle information)
    {
        var result = new List<byte[]>();
        var array = CoreFoundation.CFDictionaryGetValue(information.DangerousGetHandle(), Security.kSecCodeInfoCertificates);
        if (!CoreFoundation.IsOfType(array, CoreFoundation.TypeIds.Array))
        {
            return result;
        }

        var certificateType = Security.SecCertificateGetTypeID();
        var count = CoreFoundation.CFArrayGetCount(array);
        for (nint i = 0; i < count; i++)
        {
            var certificate = CoreFoundation.CFArrayGetValueAtIndex(array, i);
            if (!CoreFoundation.IsOfType(certificate, certificateType))
            {
                continue;
            }

            using var der = Security.SecCertificateCopyData(certificate);
            if (!der.IsInvalid)
            {
                result.Add(CoreFoundation.CFDataToArray(der.DangerousGetHandle()));
            }
        }

        return result;
    }
}
