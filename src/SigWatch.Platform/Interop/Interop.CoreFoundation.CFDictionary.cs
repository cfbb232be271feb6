using System.Runtime.InteropServices;
using System.Runtime.Versioning;

using CFIndex = nint;

namespace SigWatch.Platform.Interop;

[SupportedOSPlatform("macos")]
internal static partial class CoreFoundation
{
    [LibraryImport(Libraries.CoreFoundation, EntryPoint = "CFDictionaryCreate")]
    private static unsafe partial SafeCFDictionaryHandle CFDictionaryCreateCore(IntPtr allocator, IntPtr* keys, IntPtr* values,
        CFIndex numValues, IntPtr keyCallBacks, IntPtr valueCallBacks);

    [LibraryImport(Libraries.CoreFoundation)]
    internal static partial CFIndex CFDictionaryGetCount(IntPtr theDict);

    /// <summary>Get rule: the value is borrowed from the dictionary; NULL when absent.</summary>
    [LibraryImport(Libraries.CoreFoundation)]
    internal static partial IntPtr CFDictionaryGetValue(IntPtr theDict, IntPtr key);

    [LibraryImport(Libraries.CoreFoundation)]
    internal static unsafe partial void CFDictionaryGetKeysAndValues(IntPtr theDict, IntPtr* keys, IntPtr* values);

    /// <summary>
    /// A new immutable dictionary with kCFType callbacks, so keys and values are retained by the dictionary and
    /// looked up with CFEqual/CFHash (§3.6). The callback exports are structs: their addresses are passed as is.
    /// </summary>
    internal static unsafe SafeCFDictionaryHandle CFDictionaryCreate(ReadOnlySpan<IntPtr> keys, ReadOnlySpan<IntPtr> values)
    {
        if (keys.Length != values.Length)
        {
            throw new ArgumentException("keys and values differ in length", nameof(values));
        }

        var keyCallBacks = NativeExports.GetAddress(Libraries.CoreFoundation, "kCFTypeDictionaryKeyCallBacks");
        var valueCallBacks = NativeExports.GetAddress(Libraries.CoreFoundation, "kCFTypeDictionaryValueCallBacks");
        fixed (IntPtr* k = keys)
        fixed (IntPtr* v = values)
        {
            var handle = CFDictionaryCreateCore(IntPtr.Zero, k, v, keys.Length, keyCallBacks, valueCallBacks);
            if (handle.IsInvalid)
            {
                handle.Dispose();
                throw new OutOfMemoryException("CFDictionaryCreate returned NULL");
            }

            return handle;
        }
    }
}

[SupportedOSPlatform("macos")]
internal sealed class SafeCFDictionaryHandle : SafeCFHandle
{
    public SafeCFDictionaryHandle()
    {
    }
}
