using System.Runtime.InteropServices;
using System.Runtime.InteropServices.Marshalling;

namespace SigWatch.Platform.Interop;

internal static partial class Libc
{
    // stdlib.h: with a NULL buffer, realpath mallocs the result (POSIX.1-2008); the caller frees it.
    [LibraryImport(Libraries.Libc, EntryPoint = "realpath", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr RealPathCore([MarshalUsing(typeof(PathMarshaller))] string path, IntPtr resolved);

    [LibraryImport(Libraries.Libc, EntryPoint = "free")]
    private static partial void Free(IntPtr pointer);

    /// <summary>The canonical absolute path (symlinks resolved), or null when it cannot be resolved.</summary>
    internal static unsafe string? RealPath(string path)
    {
        var resolved = RealPathCore(path, IntPtr.Zero);
        if (resolved == IntPtr.Zero)
        {
            return null;
        }

        try
        {
            return Core.FileSystem.FileNames.Decode(MemoryMarshal.CreateReadOnlySpanFromNullTerminated((byte*)resolved));
        }
        finally
        {
            Free(resolved);
        }
    }
}
