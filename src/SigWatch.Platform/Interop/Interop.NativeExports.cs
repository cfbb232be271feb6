using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace SigWatch.Platform.Interop;

/// <summary>
/// Exported data symbols of the system frameworks, resolved at first use and cached. Two shapes exist (§3.6):
/// a <c>const CFStringRef kX</c> export is the address of a pointer variable (read it: <see cref="ReadPointer"/>);
/// a callbacks struct export (<c>kCFTypeDictionaryKeyCallBacks</c>) is used by address (<see cref="GetAddress"/>).
/// The objects behind pointer exports are constants: never CFRelease them.
/// </summary>
[SupportedOSPlatform("macos")]
internal static class NativeExports
{
    private static readonly ConcurrentDictionary<string, IntPtr> s_libraries = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<(string Library, string Symbol), IntPtr> s_addresses = new();

    /// <summary>The address of an exported symbol; throws <see cref="EntryPointNotFoundException"/> if absent.</summary>
    internal static IntPtr GetAddress(string library, string symbol) =>
        s_addresses.GetOrAdd((library, symbol), static key =>
        {
            // Frameworks live in the dyld shared cache, so load by path and never gate on File.Exists (§3.6).
            var handle = s_libraries.GetOrAdd(key.Library, static path => NativeLibrary.Load(path));
            return NativeLibrary.GetExport(handle, key.Symbol);
        });

    /// <summary>The pointer stored in an exported pointer variable (e.g. a <c>const CFStringRef</c>).</summary>
    internal static IntPtr ReadPointer(string library, string symbol)
    {
        var value = Marshal.ReadIntPtr(GetAddress(library, symbol));
        if (value == IntPtr.Zero)
        {
            throw new EntryPointNotFoundException($"{symbol} in {library} is NULL");
        }

        return value;
    }
}
