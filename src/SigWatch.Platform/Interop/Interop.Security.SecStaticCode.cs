using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace SigWatch.Platform.Interop;

/// <summary>
/// Static code validation (SEC:SecStaticCode.h, macos-integration.md §3.1). OSStatus results are returned as is;
/// callers map them through <c>CodeSigningStatus</c> or <see cref="Security.ThrowIfError(int, SafeCFErrorHandle?)"/>.
/// </summary>
[SupportedOSPlatform("macos")]
internal static partial class Security
{
    /// <summary>SecStaticCodeCreateWithPath: flags must be 0 (anything else is errSecCSInvalidFlags, §3.1).</summary>
    [LibraryImport(Libraries.Security, EntryPoint = "SecStaticCodeCreateWithPath")]
    private static partial int SecStaticCodeCreateWithPathCore(SafeCFURLHandle path, uint flags, out SafeSecStaticCodeHandle staticCode);

    internal static int SecStaticCodeCreateWithPath(SafeCFURLHandle path, out SafeSecStaticCodeHandle staticCode) =>
        SecStaticCodeCreateWithPathCore(path, 0, out staticCode);

    [LibraryImport(Libraries.Security, EntryPoint = "SecStaticCodeCheckValidityWithErrors")]
    private static partial int SecStaticCodeCheckValidityWithErrorsCore(SafeSecStaticCodeHandle staticCode, uint flags,
        IntPtr requirement, out SafeCFErrorHandle errors);

    /// <summary>
    /// Checks a static code object with flags from the SecStaticCodeCheckValidity namespace only; the optional
    /// requirement is borrowed for the duration of the call. On failure <paramref name="errors"/> holds a +1 CFError.
    /// </summary>
    internal static int SecStaticCodeCheckValidityWithErrors(SafeSecStaticCodeHandle staticCode,
        SigWatch.Platform.Darwin.SecStaticValidityFlags flags, SafeSecRequirementHandle? requirement, out SafeCFErrorHandle errors)
    {
        var added = false;
        try
        {
            requirement?.DangerousAddRef(ref added);
            return SecStaticCodeCheckValidityWithErrorsCore(staticCode, (uint)flags,
                requirement?.DangerousGetHandle() ?? IntPtr.Zero, out errors);
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

/// <summary>A +1 SecStaticCodeRef.</summary>
[SupportedOSPlatform("macos")]
internal sealed class SafeSecStaticCodeHandle : SafeCFHandle
{
    public SafeSecStaticCodeHandle()
    {
    }
}
