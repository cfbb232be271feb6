using System.Runtime.InteropServices;
using System.Runtime.InteropServices.Marshalling;

namespace SigWatch.Platform.Interop;

/// <summary>
/// Extended attributes. The two OSes differ in arity, so each has its own entry points bound to
/// its own library (never "libc"), and callers gate on the OS: calling the Darwin form on Linux
/// would pass garbage arguments (macos-integration.md §1.3).
/// </summary>
internal static partial class Libc
{
    // Linux glibc <sys/xattr.h>: the l* forms do not follow a final symlink.
    [LibraryImport(Libraries.LinuxLibc, EntryPoint = "lgetxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static unsafe partial nint LinuxLGetXattr([MarshalUsing(typeof(PathMarshaller))] string path, string name, byte* value, nuint size);

    [LibraryImport(Libraries.LinuxLibc, EntryPoint = "llistxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static unsafe partial nint LinuxLListXattr([MarshalUsing(typeof(PathMarshaller))] string path, byte* list, nuint size);

    [LibraryImport(Libraries.LinuxLibc, EntryPoint = "lsetxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static unsafe partial int LinuxLSetXattr([MarshalUsing(typeof(PathMarshaller))] string path, string name, byte* value, nuint size, int flags);

    [LibraryImport(Libraries.LinuxLibc, EntryPoint = "lremovexattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int LinuxLRemoveXattr([MarshalUsing(typeof(PathMarshaller))] string path, string name);

    // Darwin <sys/xattr.h> (XNU bsd/sys/xattr.h): extra position (resource fork only; 0 here) and options.
    [LibraryImport(Libraries.LibSystem, EntryPoint = "getxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static unsafe partial nint DarwinGetXattr([MarshalUsing(typeof(PathMarshaller))] string path, string name, byte* value, nuint size, uint position, int options);

    [LibraryImport(Libraries.LibSystem, EntryPoint = "listxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static unsafe partial nint DarwinListXattr([MarshalUsing(typeof(PathMarshaller))] string path, byte* list, nuint size, int options);

    [LibraryImport(Libraries.LibSystem, EntryPoint = "setxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static unsafe partial int DarwinSetXattr([MarshalUsing(typeof(PathMarshaller))] string path, string name, byte* value, nuint size, uint position, int options);

    [LibraryImport(Libraries.LibSystem, EntryPoint = "removexattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int DarwinRemoveXattr([MarshalUsing(typeof(PathMarshaller))] string path, string name, int options);

    /// <summary>XATTR_NOFOLLOW (XNU bsd/sys/xattr.h): do not follow a final symlink.</summary>
    internal const int XATTR_NOFOLLOW = 0x0001;

    // "Attribute absent" differs: Darwin ENOATTR 93 (bsd/sys/errno.h); Linux ENODATA 61
    // (asm-generic/errno.h). 61 is ECONNREFUSED on Darwin: never share these tables across OSes.
    internal const int DarwinENOATTR = 93;
    internal const int LinuxENODATA = 61;
    internal const int DarwinENOTSUP = 45;
    internal const int LinuxEOPNOTSUPP = 95;
    internal const int ERANGE = 34;
    internal const int LinuxEPERM = 1;
}
