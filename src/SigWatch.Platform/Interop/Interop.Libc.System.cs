using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace SigWatch.Platform.Interop;

internal static partial class Libc
{
    /// <summary>
    /// sysctlbyname(3) (macOS sys/sysctl.h): with <paramref name="oldp"/> NULL it stores the value's size in
    /// <paramref name="oldlenp"/>; returns 0 or -1 with errno.
    /// </summary>
    [SupportedOSPlatform("macos")]
    [LibraryImport(Libraries.Libc, EntryPoint = "sysctlbyname", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static unsafe partial int SysctlByName(string name, byte* oldp, nuint* oldlenp, IntPtr newp, nuint newlen);

    /// <summary>
    /// getpwuid_r(3) (pwd.h): 0 with <paramref name="result"/> set, 0 with it NULL when there is no such user, or an
    /// error number (ERANGE: the buffer is too small). Only pw_name, the first member of struct passwd on glibc and on
    /// Darwin alike (a char* at offset 0), is read; the struct is 48 bytes on glibc x86-64/arm64 and 72 on Darwin.
    /// </summary>
    [LibraryImport(Libraries.Libc, EntryPoint = "getpwuid_r")]
    internal static unsafe partial int GetPasswordEntryByUid(uint uid, byte* pwd, byte* buffer, nuint bufferLength, byte** result);

    internal const int PasswdStructMaxSize = 128;
}
