using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Text;

using CFIndex = nint;

namespace SigWatch.Platform.Interop;

[SupportedOSPlatform("macos")]
internal static partial class CoreFoundation
{
    /// <summary>kCFURLPOSIXPathStyle (CF:CFURL.h).</summary>
    private const nint kCFURLPOSIXPathStyle = 0;

    [LibraryImport(Libraries.CoreFoundation, EntryPoint = "CFURLCreateFromFileSystemRepresentation")]
    private static unsafe partial SafeCFURLHandle CFURLCreateFromFileSystemRepresentationCore(IntPtr allocator, byte* buffer,
        CFIndex bufLen, [MarshalAs(UnmanagedType.U1)] bool isDirectory);

    [LibraryImport(Libraries.CoreFoundation, EntryPoint = "CFURLCopyFileSystemPath")]
    private static partial SafeCFStringHandle CFURLCopyFileSystemPathCore(IntPtr url, nint pathStyle);

    [LibraryImport(Libraries.CoreFoundation, EntryPoint = "CFURLCopyAbsoluteURL")]
    private static partial SafeCFURLHandle CFURLCopyAbsoluteURLCore(IntPtr relativeURL);

    /// <summary>A file URL for a POSIX path, from its UTF-8 bytes (the file-system representation on macOS).</summary>
    internal static unsafe SafeCFURLHandle CFURLCreateFromPath(string path, bool isDirectory)
    {
        var bytes = Encoding.UTF8.GetBytes(path);
        fixed (byte* pointer = bytes)
        {
            var handle = CFURLCreateFromFileSystemRepresentationCore(IntPtr.Zero, pointer, bytes.Length, isDirectory);
            if (handle.IsInvalid)
            {
                handle.Dispose();
                throw new ArgumentException($"CFURLCreateFromFileSystemRepresentation rejected '{path}'", nameof(path));
            }

            return handle;
        }
    }

    /// <summary>
    /// The absolute POSIX path of a file URL; null when CF cannot express it as a path. The URL is made absolute first:
    /// CFURLCopyFileSystemPath of a URL relative to a base returns only the relative part, and the Security framework
    /// may report resources relative to the bundle's resource base (unconfirmed; absolute is right either way).
    /// </summary>
    internal static string? CFURLToPath(IntPtr url)
    {
        using var absolute = CFURLCopyAbsoluteURLCore(url);
        using var path = CFURLCopyFileSystemPathCore(absolute.IsInvalid ? url : absolute.DangerousGetHandle(), kCFURLPOSIXPathStyle);
        return path.IsInvalid ? null : CFStringToString(path.DangerousGetHandle());
    }
}

[SupportedOSPlatform("macos")]
internal sealed class SafeCFURLHandle : SafeCFHandle
{
    public SafeCFURLHandle()
    {
    }
}
