using System.Runtime.InteropServices;
using System.Runtime.Versioning;

using CFIndex = nint;

namespace SigWatch.Platform.Interop;

[SupportedOSPlatform("macos")]
internal static partial class CoreFoundation
{
    [LibraryImport(Libraries.CoreFoundation)]
    internal static partial CFIndex CFErrorGetCode(IntPtr err);

    /// <summary>Get rule: the domain string is borrowed from the error.</summary>
    [LibraryImport(Libraries.CoreFoundation)]
    internal static partial IntPtr CFErrorGetDomain(IntPtr err);

    [LibraryImport(Libraries.CoreFoundation)]
    internal static partial SafeCFDictionaryHandle CFErrorCopyUserInfo(IntPtr err);

    [LibraryImport(Libraries.CoreFoundation)]
    internal static partial SafeCFStringHandle CFErrorCopyDescription(IntPtr err);

    /// <summary>kCFErrorDomainOSStatus: the domain of every Security *WithErrors error (§3.5).</summary>
    internal static IntPtr kCFErrorDomainOSStatus => NativeExports.ReadPointer(Libraries.CoreFoundation, "kCFErrorDomainOSStatus");
}

[SupportedOSPlatform("macos")]
internal sealed class SafeCFErrorHandle : SafeCFHandle
{
    public SafeCFErrorHandle()
    {
    }
}
