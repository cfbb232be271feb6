using System.Runtime.InteropServices;
using System.Runtime.Versioning;

using CFIndex = nint;

namespace SigWatch.Platform.Interop;

[SupportedOSPlatform("macos")]
internal static partial class CoreFoundation
{
    /// <summary>kCFStringEncodingUTF8 (CF:CFString.h).</summary>
    internal const uint kCFStringEncodingUTF8 = 0x08000100;

    [LibraryImport(Libraries.CoreFoundation, EntryPoint = "CFStringCreateWithCharacters")]
    private static unsafe partial SafeCFStringHandle CFStringCreateWithCharactersCore(IntPtr allocator, char* chars, CFIndex numChars);

    [LibraryImport(Libraries.CoreFoundation)]
    internal static partial CFIndex CFStringGetLength(IntPtr theString);

    [LibraryImport(Libraries.CoreFoundation)]
    private static unsafe partial void CFStringGetCharacters(IntPtr theString, CFRange range, char* buffer);

    /// <summary>
    /// A new CFString from a .NET string. UTF-16 code units go in as UniChar, so every .NET string (including lone
    /// surrogates) round-trips exactly, which a UTF-8 C-string conversion would not guarantee.
    /// </summary>
    internal static unsafe SafeCFStringHandle CFStringCreate(string value)
    {
        fixed (char* chars = value)
        {
            var handle = CFStringCreateWithCharactersCore(IntPtr.Zero, chars, value.Length);
            if (handle.IsInvalid)
            {
                handle.Dispose();
                throw new OutOfMemoryException("CFStringCreateWithCharacters returned NULL");
            }

            return handle;
        }
    }

    /// <summary>Copies a (borrowed or owned) CFString into a .NET string.</summary>
    internal static unsafe string CFStringToString(IntPtr theString)
    {
        var length = CFStringGetLength(theString);
        if (length == 0)
        {
            return string.Empty;
        }

        return string.Create(checked((int)length), theString, static (span, cf) =>
        {
            fixed (char* buffer = span)
            {
                CFStringGetCharacters(cf, new CFRange(0, span.Length), buffer);
            }
        });
    }

    internal static string CFStringToString(SafeCFStringHandle theString)
    {
        var added = false;
        try
        {
            theString.DangerousAddRef(ref added);
            return CFStringToString(theString.DangerousGetHandle());
        }
        finally
        {
            if (added)
            {
                theString.DangerousRelease();
            }
        }
    }
}

/// <summary>CFRange (CF:CFBase.h): two CFIndex values, 16 bytes on 64-bit.</summary>
[StructLayout(LayoutKind.Sequential)]
internal readonly struct CFRange(CFIndex location, CFIndex length)
{
    public readonly CFIndex Location = location;
    public readonly CFIndex Length = length;
}

[SupportedOSPlatform("macos")]
internal sealed class SafeCFStringHandle : SafeCFHandle
{
    public SafeCFStringHandle()
    {
    }

    internal SafeCFStringHandle(IntPtr handle)
        : base(handle)
    {
    }
}
