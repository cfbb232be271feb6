using System.Runtime.InteropServices;
using System.Runtime.Versioning;

// CFIndex is a signed long (64-bit on every macOS SigWatch supports); CFTypeID is an unsigned long
// (macos-integration.md §3.6, CF:CFBase.h). Aliases keep the C prototypes readable.
using CFIndex = nint;
using CFTypeID = nuint;

namespace SigWatch.Platform.Interop;

/// <summary>
/// CoreFoundation base functions (CF:CFBase.h). Ownership follows the CF rule: anything from a Create/Copy
/// function is +1 and comes back as a sealed <see cref="SafeCFHandle"/> subclass; Get functions return a borrowed
/// <see cref="IntPtr"/> that is valid only while its container lives.
/// </summary>
[SupportedOSPlatform("macos")]
internal static partial class CoreFoundation
{
    [LibraryImport(Libraries.CoreFoundation)]
    internal static partial void CFRelease(IntPtr cf);

    [LibraryImport(Libraries.CoreFoundation)]
    internal static partial IntPtr CFRetain(IntPtr cf);

    [LibraryImport(Libraries.CoreFoundation)]
    internal static partial CFTypeID CFGetTypeID(IntPtr cf);

    [LibraryImport(Libraries.CoreFoundation)]
    [return: MarshalAs(UnmanagedType.U1)] // CF Boolean is an unsigned char (§3.6).
    internal static partial bool CFEqual(IntPtr cf1, IntPtr cf2);

    [LibraryImport(Libraries.CoreFoundation, EntryPoint = "CFCopyDescription")]
    private static partial SafeCFStringHandle CFCopyDescriptionCore(IntPtr cf);

    [LibraryImport(Libraries.CoreFoundation)]
    internal static partial CFTypeID CFStringGetTypeID();

    [LibraryImport(Libraries.CoreFoundation)]
    internal static partial CFTypeID CFNumberGetTypeID();

    [LibraryImport(Libraries.CoreFoundation)]
    internal static partial CFTypeID CFBooleanGetTypeID();

    [LibraryImport(Libraries.CoreFoundation)]
    internal static partial CFTypeID CFDataGetTypeID();

    [LibraryImport(Libraries.CoreFoundation)]
    internal static partial CFTypeID CFDictionaryGetTypeID();

    [LibraryImport(Libraries.CoreFoundation)]
    internal static partial CFTypeID CFArrayGetTypeID();

    [LibraryImport(Libraries.CoreFoundation)]
    internal static partial CFTypeID CFURLGetTypeID();

    [LibraryImport(Libraries.CoreFoundation)]
    internal static partial CFTypeID CFDateGetTypeID();

    [LibraryImport(Libraries.CoreFoundation)]
    internal static partial CFTypeID CFErrorGetTypeID();

    /// <summary>CFCopyDescription as a .NET string: for diagnostics only, never for decisions.</summary>
    internal static string CFCopyDescription(IntPtr cf)
    {
        if (cf == IntPtr.Zero)
        {
            return "(null)";
        }

        using var description = CFCopyDescriptionCore(cf);
        return description.IsInvalid ? "(no description)" : CFStringToString(description.DangerousGetHandle());
    }

    /// <summary>Takes a +1 reference on a borrowed object so it can outlive its container.</summary>
    internal static SafeCFTypeHandle RetainBorrowed(IntPtr cf)
    {
        if (cf == IntPtr.Zero)
        {
            return new SafeCFTypeHandle();
        }

        return new SafeCFTypeHandle(CFRetain(cf));
    }

    /// <summary>The CFTypeIDs, read once (they are stable for the life of the process).</summary>
    internal static class TypeIds
    {
        internal static readonly CFTypeID String = CFStringGetTypeID();
        internal static readonly CFTypeID Number = CFNumberGetTypeID();
        internal static readonly CFTypeID Boolean = CFBooleanGetTypeID();
        internal static readonly CFTypeID Data = CFDataGetTypeID();
        internal static readonly CFTypeID Dictionary = CFDictionaryGetTypeID();
        internal static readonly CFTypeID Array = CFArrayGetTypeID();
        internal static readonly CFTypeID Url = CFURLGetTypeID();
        internal static readonly CFTypeID Date = CFDateGetTypeID();
        internal static readonly CFTypeID Error = CFErrorGetTypeID();
    }

    internal static bool IsOfType(IntPtr cf, CFTypeID typeId) => cf != IntPtr.Zero && CFGetTypeID(cf) == typeId;
}

/// <summary>
/// A +1 CoreFoundation reference (Create/Copy rule). <see cref="ReleaseHandle"/> calls CFRelease exactly once;
/// a zero handle is invalid and never released (CFRelease(NULL) crashes, §3.6). Sealed subclasses name the CF type.
/// </summary>
[SupportedOSPlatform("macos")]
internal abstract class SafeCFHandle : SafeHandle
{
    protected SafeCFHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    protected SafeCFHandle(IntPtr handle)
        : base(IntPtr.Zero, ownsHandle: true) => SetHandle(handle);

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        CoreFoundation.CFRelease(handle);
        return true;
    }
}

/// <summary>A +1 reference to a CF object of any type (CFTypeRef, CFPropertyListRef).</summary>
[SupportedOSPlatform("macos")]
internal sealed class SafeCFTypeHandle : SafeCFHandle
{
    public SafeCFTypeHandle()
    {
    }

    internal SafeCFTypeHandle(IntPtr handle)
        : base(handle)
    {
    }
}
