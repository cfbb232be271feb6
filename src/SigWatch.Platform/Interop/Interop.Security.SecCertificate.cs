using System.Runtime.InteropServices;
using System.Runtime.Versioning;

using CFTypeID = nuint;

namespace SigWatch.Platform.Interop;

/// <summary>Certificates as returned in kSecCodeInfoCertificates (SecCertificate.h, public API).</summary>
[SupportedOSPlatform("macos")]
internal static partial class Security
{
    [LibraryImport(Libraries.Security)]
    internal static partial CFTypeID SecCertificateGetTypeID();

    /// <summary>The DER encoding (Copy rule: +1). NULL only for a non-certificate argument.</summary>
    [LibraryImport(Libraries.Security)]
    internal static partial SafeCFDataHandle SecCertificateCopyData(IntPtr certificate);
}
