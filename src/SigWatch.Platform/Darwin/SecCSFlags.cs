namespace SigWatch.Platform.Darwin;

// SecCSFlags is one uint32, but the same bit means different things to different functions (macos-integration.md
// §3.2). Each function therefore gets its own enum holding only the values it accepts, so a flag can never be passed
// to the wrong function by accident. Values from SEC:CSCommon.h, SecStaticCode.h, SecCode.h.

/// <summary>Flags accepted by SecStaticCodeCheckValidity(WithErrors) (SEC:SecStaticCode.cpp checkFlags).</summary>
[Flags]
public enum SecStaticValidityFlags : uint
{
    None = 0,

    /// <summary>kSecCSCheckAllArchitectures: validate every slice of a universal binary.</summary>
    CheckAllArchitectures = 0x1,

    /// <summary>kSecCSDoNotValidateExecutable: skip the main executable's pages.</summary>
    DoNotValidateExecutable = 0x2,

    /// <summary>kSecCSDoNotValidateResources: skip the sealed resources.</summary>
    DoNotValidateResources = 0x4,

    /// <summary>kSecCSCheckNestedCode: recurse into nested code in standard locations.</summary>
    CheckNestedCode = 0x8,

    /// <summary>kSecCSStrictValidate: reject tamper-prone bundle structure and weak resource envelopes.</summary>
    StrictValidate = 0x10,

    /// <summary>kSecCSRestrictSymlinks.</summary>
    RestrictSymlinks = 0x80,

    /// <summary>kSecCSNoNetworkAccess (common namespace, 1 &lt;&lt; 29): no OCSP/notarization look-ups.</summary>
    NoNetworkAccess = 0x2000_0000,

    /// <summary>kSecCSConsiderExpiration (common namespace, 1u &lt;&lt; 31).</summary>
    ConsiderExpiration = 0x8000_0000,
}

/// <summary>Flags accepted by SecCodeCheckValidity(WithErrors) on a running (dynamic) code object (SEC:SecCode.cpp).</summary>
[Flags]
public enum SecDynamicValidityFlags : uint
{
    None = 0,

    /// <summary>kSecCSStrictValidate (0x10), also accepted for dynamic validation.</summary>
    StrictValidate = 0x10,

    /// <summary>kSecCSNoNetworkAccess (1 &lt;&lt; 29).</summary>
    NoNetworkAccess = 0x2000_0000,

    /// <summary>kSecCSConsiderExpiration (1u &lt;&lt; 31).</summary>
    ConsiderExpiration = 0x8000_0000,
}

/// <summary>What SecCodeCopySigningInformation adds to its dictionary (§3.3).</summary>
[Flags]
public enum SecSigningInformationFlags : uint
{
    None = 0,

    /// <summary>kSecCSSigningInformation: CMS, team id, certificates, signing time and timestamp.</summary>
    Signing = 0x2,

    /// <summary>kSecCSRequirementInformation: designated requirement and requirement text.</summary>
    Requirement = 0x4,

    /// <summary>kSecCSDynamicInformation: the <c>status</c> key; only meaningful for a SecCodeRef (running code).</summary>
    Dynamic = 0x8,

    /// <summary>kSecCSContentInformation.</summary>
    Content = 0x10,
}

/// <summary>SecCodeSignatureFlags (kSecCodeInfoFlags): the CodeDirectory flags as the framework reports them.</summary>
[Flags]
public enum SecCodeSignatureFlags : uint
{
    None = 0,
    Host = 0x1,
    Adhoc = 0x2,
    ForceHard = 0x100,
    ForceKill = 0x200,
    ForceExpiration = 0x400,
    Restrict = 0x800,
    Enforcement = 0x1000,
    LibraryValidation = 0x2000,

    /// <summary>kSecCodeSignatureRuntime: the hardened runtime.</summary>
    Runtime = 0x10000,
    LinkerSigned = 0x20000,
}

/// <summary>SecCodeStatus (kSecCodeInfoStatus): the kernel's dynamic code-signing state of a running process.</summary>
[Flags]
public enum SecCodeStatus : uint
{
    None = 0,

    /// <summary>kSecCodeStatusValid: the kernel still considers the process validly signed.</summary>
    Valid = 0x1,
    Hard = 0x100,
    Kill = 0x200,
    Platform = 0x0400_0000,
    Debugged = 0x1000_0000,
}

/// <summary>How much <see cref="SecStaticCodeValidator"/> checks; each level costs more than the one before.</summary>
public enum ValidationDepth
{
    /// <summary>
    /// Every architecture's signature and executable pages, no resources and no nested code. Cost: proportional to
    /// the executable size (tens of milliseconds for a typical app). Does not detect modified resources.
    /// </summary>
    ExecutableOnly,

    /// <summary>
    /// Every architecture, sealed resources and nested code. Cost: hashes every sealed file (seconds for a large app).
    /// </summary>
    WithResources,

    /// <summary>
    /// <see cref="WithResources"/> plus kSecCSStrictValidate, what <c>codesign --verify --deep --strict</c> and
    /// Gatekeeper apply: tamper-prone bundle layouts and weak resource envelopes fail. Cost: as WithResources.
    /// </summary>
    Strict,
}

public static class SecCSFlagSets
{
    /// <summary>
    /// The flags passed to SecStaticCodeCheckValidityWithErrors for a depth. Network access is always off
    /// (kSecCSNoNetworkAccess): the verdict must not depend on reachability of Apple's servers, matching the managed
    /// verifier, which never checks revocation or notarization.
    /// </summary>
    public static SecStaticValidityFlags ForDepth(ValidationDepth depth) => depth switch
    {
        ValidationDepth.ExecutableOnly => SecStaticValidityFlags.CheckAllArchitectures | SecStaticValidityFlags.DoNotValidateResources
            | SecStaticValidityFlags.NoNetworkAccess,
        ValidationDepth.WithResources => SecStaticValidityFlags.CheckAllArchitectures | SecStaticValidityFlags.CheckNestedCode
            | SecStaticValidityFlags.NoNetworkAccess,
        ValidationDepth.Strict => SecStaticValidityFlags.CheckAllArchitectures | SecStaticValidityFlags.CheckNestedCode
            | SecStaticValidityFlags.StrictValidate | SecStaticValidityFlags.NoNetworkAccess,
        _ => throw new ArgumentOutOfRangeException(nameof(depth), depth, null),
    };
}
