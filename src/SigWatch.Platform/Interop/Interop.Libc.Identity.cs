using System.Runtime.InteropServices;

namespace SigWatch.Platform.Interop;

internal static partial class Libc
{
    // unistd.h: geteuid/getegid never fail (POSIX.1-2017).
    [LibraryImport(Libraries.Libc, EntryPoint = "geteuid")]
    internal static partial uint GetEffectiveUserId();

    [LibraryImport(Libraries.Libc, EntryPoint = "getegid")]
    internal static partial uint GetEffectiveGroupId();
}
