using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace SigWatch.Platform.Interop;

[SupportedOSPlatform("macos")]
internal static partial class CoreFoundation
{
    /// <summary>CFAbsoluteTime: seconds since 2001-01-01T00:00:00Z as a double (CF:CFDate.h).</summary>
    [LibraryImport(Libraries.CoreFoundation)]
    internal static partial double CFDateGetAbsoluteTime(IntPtr theDate);
}
