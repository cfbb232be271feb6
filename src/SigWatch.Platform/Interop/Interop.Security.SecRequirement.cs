using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace SigWatch.Platform.Interop;

/// <summary>Code requirements (SEC:SecRequirement.h). All flags are 0 (§3.1).</summary>
[SupportedOSPlatform("macos")]
internal static partial class Security
{
    /// <summary>Note the argument order: the CFError out-param comes BEFORE the requirement out-param (§3.1).</summary>
    [LibraryImport(Libraries.Security, EntryPoint = "SecRequirementCreateWithStringAndErrors")]
    private static partial int SecRequirementCreateWithStringAndErrorsCore(SafeCFStringHandle text, uint flags,
        out SafeCFErrorHandle errors, out SafeSecRequirementHandle requirement);

    internal static int SecRequirementCreateWithStringAndErrors(SafeCFStringHandle text, out SafeCFErrorHandle errors,
        out SafeSecRequirementHandle requirement) =>
        SecRequirementCreateWithStringAndErrorsCore(text, 0, out errors, out requirement);

    [LibraryImport(Libraries.Security, EntryPoint = "SecRequirementCopyString")]
    private static partial int SecRequirementCopyStringCore(SafeSecRequirementHandle requirement, uint flags, out SafeCFStringHandle text);

    internal static int SecRequirementCopyString(SafeSecRequirementHandle requirement, out SafeCFStringHandle text) =>
        SecRequirementCopyStringCore(requirement, 0, out text);
}

/// <summary>A +1 SecRequirementRef.</summary>
[SupportedOSPlatform("macos")]
internal sealed class SafeSecRequirementHandle : SafeCFHandle
{
    public SafeSecRequirementHandle()
    {
    }
}
