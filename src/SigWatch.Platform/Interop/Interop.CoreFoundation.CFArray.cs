using System.Runtime.InteropServices;
using System.Runtime.Versioning;

using CFIndex = nint;

namespace SigWatch.Platform.Interop;

[SupportedOSPlatform("macos")]
internal static partial class CoreFoundation
{
    [LibraryImport(Libraries.CoreFoundation)]
    internal static partial CFIndex CFArrayGetCount(IntPtr theArray);

    /// <summary>Get rule: the element is borrowed from the array.</summary>
    [LibraryImport(Libraries.CoreFoundation)]
    internal static partial IntPtr CFArrayGetValueAtIndex(IntPtr theArray, CFIndex idx);
}

[SupportedOSPlatform("macos")]
internal sealed class SafeCFArrayHandle : SafeCFHandle
{
    public SafeCFArrayHandle()
    {
    }
}
