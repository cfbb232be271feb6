using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace SigWatch.Platform.Interop;

/// <summary>
/// Every native library SigWatch calls, named once (dotnet/runtime Common/src/Interop/OSX/Interop.Libraries.cs).
/// </summary>
internal static class Libraries
{
    /// <summary>
    /// The C library. A logical name: resolved to <c>libc.so.6</c> on Linux (plain "libc" would make
    /// the loader try <c>libc.so</c>, which on glibc systems is a linker script, not an ELF object)
    /// and to libSystem on macOS, where the libc entry points live.
    /// </summary>
    public const string Libc = "libc";

    public const string LinuxLibc = "libc.so.6";

    /// <summary>libSystem: libc, xattrs, sockets on macOS (absolute path; the file lives in the dyld shared cache).</summary>
    public const string LibSystem = "/usr/lib/libSystem.B.dylib";

    public const string CoreFoundation = "/System/Library/Frameworks/CoreFoundation.framework/CoreFoundation";

    public const string Security = "/System/Library/Frameworks/Security.framework/Security";

    public const string IOKit = "/System/Library/Frameworks/IOKit.framework/IOKit";
}

internal static class LibraryResolver
{
    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255:The 'ModuleInitializer' attribute should not be used in libraries",
        Justification = "The resolver must be in place before any P/Invoke of this assembly runs; it only maps the logical name 'libc'.")]
    internal static void Register() =>
        NativeLibrary.SetDllImportResolver(typeof(LibraryResolver).Assembly, Resolve);

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != Libraries.Libc)
        {
            return IntPtr.Zero;
        }

        var actual = OperatingSystem.IsMacOS() ? Libraries.LibSystem : Libraries.LinuxLibc;
        return NativeLibrary.Load(actual, assembly, searchPath);
    }
}
