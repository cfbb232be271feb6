using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace SigWatch.Platform.Interop;

[SupportedOSPlatform("macos")]
internal static partial class CoreFoundation
{
    /// <summary>CFNumberType values used here (CF:CFNumber.h).</summary>
    internal enum CFNumberType : long // CFNumberType is a CFIndex (64-bit)
    {
        SInt32 = 3,
        SInt64 = 4,
        Float64 = 6,
        Double = 13,
    }

    [LibraryImport(Libraries.CoreFoundation)]
    [return: MarshalAs(UnmanagedType.U1)]
    private static unsafe partial bool CFNumberGetValue(IntPtr number, CFNumberType theType, void* valuePtr);

    [LibraryImport(Libraries.CoreFoundation)]
    [return: MarshalAs(UnmanagedType.U1)]
    internal static partial bool CFNumberIsFloatType(IntPtr number);

    [LibraryImport(Libraries.CoreFoundation)]
    [return: MarshalAs(UnmanagedType.U1)]
    internal static partial bool CFBooleanGetValue(IntPtr boolean);

    /// <summary>
    /// The number as a 64-bit integer. False when CF reports a lossy conversion (a float, or out of range); the
    /// caller treats that as "no value", never as zero.
    /// </summary>
    internal static unsafe bool TryGetInt64(IntPtr number, out long value)
    {
        long result;
        var exact = CFNumberGetValue(number, CFNumberType.SInt64, &result);
        value = result;
        return exact;
    }

    internal static unsafe bool TryGetDouble(IntPtr number, out double value)
    {
        double result;
        var exact = CFNumberGetValue(number, CFNumberType.Float64, &result);
        value = result;
        return exact;
    }

    /// <summary>kCFBooleanTrue / kCFBooleanFalse: exported pointer variables (never released, §3.6).</summary>
    internal static IntPtr kCFBooleanTrue => NativeExports.ReadPointer(Libraries.CoreFoundation, "kCFBooleanTrue");

    internal static IntPtr kCFBooleanFalse => NativeExports.ReadPointer(Libraries.CoreFoundation, "kCFBooleanFalse");
}
