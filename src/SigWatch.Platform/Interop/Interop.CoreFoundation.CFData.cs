using System.Runtime.InteropServices;
using System.Runtime.Versioning;

using CFIndex = nint;

namespace SigWatch.Platform.Interop;

[SupportedOSPlatform("macos")]
internal static partial class CoreFoundation
{
    [LibraryImport(Libraries.CoreFoundation, EntryPoint = "CFDataCreate")]
    private static unsafe partial SafeCFDataHandle CFDataCreateCore(IntPtr allocator, byte* bytes, CFIndex length);

    [LibraryImport(Libraries.CoreFoundation)]
    internal static partial CFIndex CFDataGetLength(IntPtr theData);

    [LibraryImport(Libraries.CoreFoundation)]
    internal static unsafe partial byte* CFDataGetBytePtr(IntPtr theData);

    /// <summary>A new CFData holding a copy of <paramref name="bytes"/>.</summary>
    internal static unsafe SafeCFDataHandle CFDataCreate(ReadOnlySpan<byte> bytes)
    {
        fixed (byte* pointer = bytes)
        {
            var handle = CFDataCreateCore(IntPtr.Zero, pointer, bytes.Length);
            if (handle.IsInvalid)
            {
                handle.Dispose();
                throw new OutOfMemoryException("CFDataCreate returned NULL");
            }

            return handle;
        }
    }

    /// <summary>
    /// The bytes of a CFData, without copying. Valid only while the CFData lives: the caller holds the owning handle
    /// (with DangerousAddRef) or the container of a borrowed reference for as long as it uses the span.
    /// </summary>
    internal static unsafe ReadOnlySpan<byte> CFDataDangerousGetSpan(IntPtr theData)
    {
        var length = CFDataGetLength(theData);
        return length == 0 ? [] : new ReadOnlySpan<byte>(CFDataGetBytePtr(theData), checked((int)length));
    }

    internal static byte[] CFDataToArray(IntPtr theData) => CFDataDangerousGetSpan(theData).ToArray();
}

[SupportedOSPlatform("macos")]
internal sealed class SafeCFDataHandle : SafeCFHandle
{
    public SafeCFDataHandle()
    {
    }
}
