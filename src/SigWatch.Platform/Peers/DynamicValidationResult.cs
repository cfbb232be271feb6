using SigWatch.Core.Verification;
using SigWatch.Platform.Darwin;

namespace SigWatch.Platform.Peers;

/// <summary>
/// The outcome of validating a running peer process (by audit token) against a requirement.
/// <see cref="Verdict"/> is <see cref="AssessmentVerdict.Valid"/> only when the kernel still considers the process
/// validly signed and it satisfies the requirement; <see cref="AssessmentVerdict.Unknown"/> (e.g. the process exited)
/// must be treated as a rejection by any policy.
/// </summary>
public sealed record DynamicValidationResult(
    AssessmentVerdict Verdict,
    IReadOnlyList<Finding> Findings,
    SecCodeStatus? Status,
    SecCodeSignatureFlags? SignatureFlags,
    string? Identifier,
    string? TeamId)
{
    /// <summary>kSecCodeStatusValid in the kernel's dynamic state (kSecCodeInfoStatus). False when unknown.</summary>
    public bool IsKernelValid => Status is { } status && (status & SecCodeStatus.Valid) != 0;

    /// <summary>
    /// The hardened runtime (kSecCodeSignatureRuntime 0x10000 in kSecCodeInfoFlags, the signature's flags). False when
    /// unknown. The kernel status word may carry the same bit, but that is unconfirmed, so it is not consulted.
    /// </summary>
    public bool HasHardenedRuntime => SignatureFlags is { } flags && (flags & SecCodeSignatureFlags.Runtime) != 0;

    /// <summary>Valid, kernel-valid and (when <paramref name="requireHardenedRuntime"/>) hardened: what a policy admits.</summary>
    public bool Admits(bool requireHardenedRuntime) =>
        Verdict == AssessmentVerdict.Valid && IsKernelValid && (!requireHardenedRuntime || HasHardenedRuntime);

    /// <summary>
    /// Combines the validity check's outcome with SecCodeCopySigningInformation(kSecCSSigningInformation |
    /// kSecCSDynamicInformation) of the same code object, converted to .NET values. Pure; tested on Linux.
    /// </summary>
    public static DynamicValidationResult Create(NativeValidationOutcome outcome, IReadOnlyDictionary<string, object?>? information,
        SigningInfoKeys? keys = null)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        keys ??= SigningInfoKeys.Documented;
        if (information is null)
        {
            return new DynamicValidationResult(outcome.Verdict, outcome.Findings, null, null, null, null);
        }

        return new DynamicValidationResult(
            outcome.Verdict,
            outcome.Findings,
            SigningInformationMapper.DynamicStatus(information, keys),
            SigningInformationMapper.SignatureFlags(information, keys),
            information.TryGetValue(keys.Identifier, out var identifier) ? identifier as string : null,
            information.TryGetValue(keys.TeamId, out var team) ? team as string : null);
    }
}

/// <summary>Validates running code identified by an audit token (Darwin: SecCodeCopyGuestWithAttributes).</summary>
public interface IDynamicCodeValidator
{
    /// <summary>Never throws for a bad or vanished peer: that is an Invalid or Unknown verdict.</summary>
    DynamicValidationResult Validate(AuditToken token);
}
