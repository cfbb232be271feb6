using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace SigWatch.Platform.Interop;

/// <summary>
/// The IOKit calls that read the machine's hardware UUID (IOKit:IOKitLib.h; Apple TN1103 "Uniquely Identifying a
/// Macintosh Computer": the IOPlatformUUID property of the IOPlatformExpertDevice service). io_object_t and
/// io_service_t are mach_port_t, a 32-bit unsigned integer; kIOMainPortDefault is MACH_PORT_NULL (0).
/// </summary>
[SupportedOSPlatform("macos")]
internal static partial class IOKit
{
    internal const uint MainPortDefault = 0;

    /// <summary>Returns a +1 CFMutableDictionaryRef, or NULL; IOServiceGetMatchingService consumes that reference.</summary>
    [LibraryImport(Libraries.IOKit, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr IOServiceMatching(string name);

    /// <summary>The first service matching; consumes one reference of <paramref name="matching"/>; 0 (IO_OBJECT_NULL) when none.</summary>
    [LibraryImport(Libraries.IOKit)]
    internal static partial uint IOServiceGetMatchingService(uint mainPort, IntPtr matching);

    /// <summary>A +1 copy of a registry property (Create rule), or NULL when the entry has no such property.</summary>
    [LibraryImport(Libraries.IOKit)]
    internal static partial SafeCFTypeHandle IORegistryEntryCreateCFProperty(uint entry, IntPtr key, IntPtr allocator, uint options);

    /// <summary>Releases an io_object_t (kern_return_t result; nothing to do on failure).</summary>
    [LibraryImport(Libraries.IOKit)]
    internal static partial int IOObjectRelease(uint io);
}
