using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace SigWatch.Platform.Interop;

/// <summary>Code objects, static and dynamic (SEC:SecCode.h, macos-integration.md §3.1/§3.3).</summary>
[SupportedOSPlatform("macos")]
internal static partial class Security
{
    /// <summary>
    /// SecCodeCopySigningInformation: accepts a SecStaticCodeRef or a SecCodeRef. The dictionary is +1. Information is
    /// partial and unvalidated unless the code was checked first (SEC:SecCode.h); for unsigned code the call succeeds
    /// and the dictionary lacks <c>identifier</c>.
    /// </summary>
    [LibraryImport(Libraries.Security, EntryPoint = "SecCodeCopySigningInformation")]
    private static partial int SecCodeCopySigningInformationCore(SafeCFHandle code, uint flags, out SafeCFDictionaryHandle information);

    internal static int SecCodeCopySigningInformation(SafeCFHandle code, SigWatch.Platform.Darwin.SecSigningInformationFlags flags,
        out SafeCFDictionaryHandle information) =>
        SecCodeCopySigningInformationCore(code, (uint)flags, out information);

    /// <summary>SecCodeCopyDesignatedRequirement: flags 0; does not validate the code.</summary>
    [LibraryImport(Libraries.Security, EntryPoint = "SecCodeCopyDesignatedRequirement")]
    private static partial int SecCodeCopyDesignatedRequirementCore(SafeCFHandle code, uint flags, out SafeSecRequirementHandle requirement);

    internal static int SecCodeCopyDesignatedRequirement(SafeCFHandle code, out SafeSecRequirementHandle requirement) =>
        SecCodeCopyDesignatedRequirementCore(code, 0, out requirement);

    /// <summary>
    /// SecCodeCopyGuestWithAttributes with a NULL host (the kernel) and flags 0 (the only accepted value, §3.1).
    /// macOS only.
    /// </summary>
    [LibraryImport(Libraries.Security, EntryPoint = "SecCodeCopyGuestWithAttributes")]
    private static partial int SecCodeCopyGuestWithAttributesCore(IntPtr host, SafeCFDictionaryHandle attributes, uint flags,
        out SafeSecCodeHandle guest);

    internal static int SecCodeCopyGuestWithAttributes(SafeCFDictionaryHandle attributes, out SafeSecCodeHandle guest) =>
        SecCodeCopyGuestWithAttributesCore(IntPtr.Zero, attributes, 0, out guest);

    [LibraryImport(Libraries.Security, EntryPoint = "SecCodeCheckValidityWithErrors")]
    private static partial int SecCodeCheckValidityWithErrorsCore(SafeSecCodeHandle code, uint flags, IntPtr requirement,
        out SafeCFErrorHandle errors);

    /// <summary>
    /// Dynamic validation of running code, with flags from the SecCodeCheckValidity namespace only. "Secure against
    /// attempts to modify the file system source" (SEC:SecCode.h): it checks the kernel's view of the process.
    /// </summary>
    internal static int SecCodeCheckValidityWithErrors(SafeSecCodeHandle code, SigWatch.Platform.Darwin.SecDynamicValidityFlags flags,
        SafeSecRequirementHandle? requirement, out SafeCFErrorHandle errors)
    {
        var added = false;
        try
        {
            requirement?.DangerousAddRef(ref added);
            return SecCodeCheckValidityWithErrorsCore(code, (uint)flags, requirement?.DangerousGetHandle() ?? IntPtr.Zero, out errors);
        }
        finally
        {
            if (added)
            {
                requirement!.DangerousRelease();
            }
        }
    }
}

/// <summary>A +1 SecCodeRef (running code).</summary>
[SupportedOSPlatform("macos")]
internal sealed class SafeSecCodeHandle : SafeCFHandle
{
    public SafeSecCodeHandle()
    {
    }
}
