using System.Runtime.InteropServices;

namespace SigWatch.Platform.Interop;

internal static partial class Libc
{
    // unistd.h: geteuid/getegid never fail (POSIX.1-2017).
    [LibraryImport(Libraries.Libc, EntryPoint = "geteuid")]
    internal static partial uint GetEffectiveUserId();

    [LibraryImport(Libraries.Libc, EntryPoint = "getegid")]
    internal static partial uint GetEffectiveGroupId();

    // sys/stat.h: umask never fails; mode_t is 32-bit on Linux and 16-bit on Darwin, passed in a register either way.
    [LibraryImport(Libraries.Libc, EntryPoint = "umask")]
    internal static partial uint UMask(uint mask);

    // grp.h: getgrnam returns a pointer into static storage (not thread-safe; called at startup only) or NULL.
    // struct group on 64-bit Linux (glibc) and Darwin alike: char *gr_name @0, char *gr_passwd @8, gid_t gr_gid @16.
    [LibraryImport(Libraries.Libc, EntryPoint = "getgrnam", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr GetGroupByName(string name);

    internal const int GroupGidOffset = 16;
}
