using System.Globalization;
using System.Runtime.Versioning;
using SigWatch.Core.Verification;
using SigWatch.Platform.Interop;
using SigWatch.Platform.Peers;

namespace SigWatch.Platform.Darwin;

/// <summary>
/// Checks a peer process by its audit token, as macos-integration.md §4.4 prescribes for Unix sockets:
/// CFData(token, 32 bytes) → SecCodeCopyGuestWithAttributes(NULL, {kSecGuestAttributeAudit: data}, 0) →
/// SecCodeCheckValidityWithErrors(code, flags, requirement) → SecCodeCopySigningInformation(kSecCSSigningInformation |
/// kSecCSDynamicInformation) for the kernel status and signature flags.
/// </summary>
/// <remarks>
/// Trust: dynamic validation checks the kernel's view of the running process, not the file on disk, and the kernel
/// cross-checks the cdhash (SEC:cskernel.cpp). The token must be fresh: read LOCAL_PEERTOKEN right before calling, and
/// re-read it per request (<see cref="AuditToken.ImageChanged"/>), since the peer can exec other code on the same
/// connection. Cost: a few framework calls and a kernel round trip, cheap enough per request.
/// </remarks>
[SupportedOSPlatform("macos")]
public sealed class DynamicCodeValidator : IDynamicCodeValidator, IDisposable
{
    private readonly SecRequirement _requirement;
    private readonly SecDynamicValidityFlags _flags;

    /// <param name="requirement">Requirement-language text the peer must satisfy; compiled once (a syntax error throws here).</param>
    /// <param name="flags">SecCodeCheckValidity flags; network access is always switched off.</param>
    public DynamicCodeValidator(string requirement, SecDynamicValidityFlags flags = SecDynamicValidityFlags.None)
    {
        if (!OperatingSystem.IsMacOS())
        {
            throw new PlatformNotSupportedException("the Security framework exists only on macOS");
        }

        _requirement = SecRequirement.Create(requirement);
        _flags = flags | SecDynamicValidityFlags.NoNetworkAccess;
    }

    public DynamicValidationResult Validate(AuditToken token)
    {
        try
        {
            return ValidateCore(token);
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException or SecurityFrameworkException)
        {
            // A problem with the framework or the call, not a fact about the peer: no verdict (policy rejects).
            return new DynamicValidationResult(AssessmentVerdict.Unknown,
                [new Finding(FindingKind.NativeValidationFailed,
                    FindingSeverity.Info, $"dynamic validation did not run: {e.Message}")],
                null, null, null, null);
        }
    }

    private DynamicValidationResult ValidateCore(AuditToken token)
    {
        var subject = string.Create(CultureInfo.InvariantCulture, $"pid {token.ProcessId}");
        using var data = CoreFoundation.CFDataCreate(token.ToBytes());
        var added = false;
        try
        {
            data.DangerousAddRef(ref added);
            using var attributes = CoreFoundation.CFDictionaryCreate([Security.kSecGuestAttributeAudit], [data.DangerousGetHandle()]);
            var status = Security.SecCodeCopyGuestWithAttributes(attributes, out var guest);
            using (guest)
            {
                if (status != CodeSigningStatus.Success || guest.IsInvalid)
                {
                    var missing = NativeResultMapper.Map(status == CodeSigningStatus.Success ? CodeSigningStatus.NoSuchCode : status, null, subject);
                    return DynamicValidationResult.Create(missing, null);
                }

                status = Security.SecCodeCheckValidityWithErrors(guest, _flags, _requirement.Handle, out var errors);
                IReadOnlyDictionary<string, object?> userInfo;
                using (errors)
                {
                    userInfo = Security.CopyUserInfo(errors);
                }

                var outcome = NativeResultMapper.Map(status, userInfo, subject);
                return DynamicValidationResult.Create(outcome, CopyInformation(guest), Security.SigningInfoKeys);
            }
        }
        finally
        {
            if (added)
            {
                data.DangerousRelease();
            }
        }
    }

    public void Dispose() => _requirement.Dispose();

    private static Dictionary<string, object?>? CopyInformation(SafeSecCodeHandle code)
    {
        var status = Security.SecCodeCopySigningInformation(code, SecSigningInformationFlags.Signing | SecSigningInformationFlags.Dynamic,
            out var information);
        using (information)
        {
            if (status != CodeSigningStatus.Success || information.IsInvalid)
            {
                return null;
            }

            return CFValueConverter.DictionaryToManaged(information.DangerousGetHandle());
        }
    }
}
