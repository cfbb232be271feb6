using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace SigWatch.Platform.Interop;

internal static partial class Libc
{
    /// <summary>
    /// malloc_trim(3) (glibc malloc.h): gives free memory of the C heap back to the kernel, keeping
    /// <paramref name="pad"/> bytes at the top of the main heap; since glibc 2.8 in every arena and in every chunk with
    /// whole free pages, not only at the top of a heap. Returns 1 if any memory was released, 0 if none could be.
    /// glibc only: musl has no such symbol (EntryPointNotFoundException).
    /// </summary>
    [SupportedOSPlatform("linux")]
    [LibraryImport(Libraries.Libc, EntryPoint = "malloc_trim")]
    internal static partial int MallocTrim(nuint pad);
}
