using System.Runtime.Versioning;
using SigWatch.Platform.Interop;

namespace SigWatch.Platform.Darwin;

/// <summary>
/// A CF object the converter does not map (SecCertificate, SecRequirement, SecTrust, …): kept as its CF description
/// so it shows up in diagnostics instead of silently vanishing.
/// </summary>
public sealed record CFOpaqueValue(string Description);

/// <summary>
/// Copies a CoreFoundation property-list-like graph into plain .NET values, so all decisions about it can be made
/// (and unit-tested on Linux) in managed code. Mapping: CFString → <see cref="string"/>; CFNumber → <see cref="long"/>
/// (or <see cref="double"/> for float types); CFBoolean → <see cref="bool"/>; CFData → <see cref="byte"/>[];
/// CFDate → <see cref="DateTimeOffset"/>; CFURL → <see cref="string"/> (its POSIX path); CFArray →
/// <see cref="List{T}"/> of object?; CFDictionary → <see cref="Dictionary{TKey,TValue}"/> keyed by string (non-string
/// keys by their description); anything else → <see cref="CFOpaqueValue"/>.
/// </summary>
/// <remarks>Trust: the input comes from the Security framework, not from the file under test. Cost: one copy of every node.</remarks>
[SupportedOSPlatform("macos")]
internal static class CFValueConverter
{
    /// <summary>Deeper graphs are cut off (as an opaque value): the Security framework never returns them.</summary>
    internal const int MaxDepth = 32;

    private static readonly DateTimeOffset s_cfEpoch = new(2001, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Converts a borrowed (or owned) CF reference; NULL becomes null.</summary>
    internal static object? ToManaged(IntPtr cf) => ToManaged(cf, 0);

    internal static Dictionary<string, object?> DictionaryToManaged(IntPtr dictionary) =>
        ToManaged(dictionary) as Dictionary<string, object?> ?? [];

    private static object? ToManaged(IntPtr cf, int depth)
    {
        if (cf == IntPtr.Zero)
        {
            return null;
        }

        var type = CoreFoundation.CFGetTypeID(cf);
        if (type == CoreFoundation.TypeIds.String)
        {
            return CoreFoundation.CFStringToString(cf);
        }

        if (type == CoreFoundation.TypeIds.Boolean)
        {
            return CoreFoundation.CFBooleanGetValue(cf);
        }

        if (type == CoreFoundation.TypeIds.Number)
        {
            if (!CoreFoundation.CFNumberIsFloatType(cf) && CoreFoundation.TryGetInt64(cf, out var integer))
            {
                return integer;
            }

            return CoreFoundation.TryGetDouble(cf, out var real) ? real : new CFOpaqueValue(CoreFoundation.CFCopyDescription(cf));
        }

        if (type == CoreFoundation.TypeIds.Data)
        {
            return CoreFoundation.CFDataToArray(cf);
        }

        if (type == CoreFoundation.TypeIds.Date)
        {
            return s_cfEpoch.AddSeconds(CoreFoundation.CFDateGetAbsoluteTime(cf));
        }

        if (type == CoreFoundation.TypeIds.Url)
        {
            return CoreFoundation.CFURLToPath(cf) ?? CoreFoundation.CFCopyDescription(cf);
        }

        if (depth >= MaxDepth)
        {
            return new CFOpaqueValue("(nesting too deep)");
        }

        if (type == CoreFoundation.TypeIds.Array)
        {
            var count = CoreFoundation.CFArrayGetCount(cf);
            var list = new List<object?>(checked((int)count));
            for (nint i = 0; i < count; i++)
            {
                list.Add(ToManaged(CoreFoundation.CFArrayGetValueAtIndex(cf, i), depth + 1));
            }

            return list;
        }

        if (type == CoreFoundation.TypeIds.Dictionary)
        {
            return ConvertDictionary(cf, depth);
        }

        return new CFOpaqueValue(CoreFoundation.CFCopyDescription(cf));
    }

    private static unsafe Dictionary<string, object?> ConvertDictionary(IntPtr cf, int depth)
    {
        var count = checked((int)CoreFoundation.CFDictionaryGetCount(cf));
        var keys = new IntPtr[count];
        var values = new IntPtr[count];
        fixed (IntPtr* k = keys)
        fixed (IntPtr* v = values)
        {
            CoreFoundation.CFDictionaryGetKeysAndValues(cf, k, v);
        }

        var result = new Dictionary<string, object?>(count, StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var key = CoreFoundation.IsOfType(keys[i], CoreFoundation.TypeIds.String)
                ? CoreFoundation.CFStringToString(keys[i])
                : CoreFoundation.CFCopyDescription(keys[i]);
            result[key] = ToManaged(values[i], depth + 1);
        }

        return result;
    }
}
