using System.Runtime.Versioning;
using SigWatch.Platform.Darwin;

namespace SigWatch.Platform.Interop;

[SupportedOSPlatform("macos")]
internal static partial class Security
{
    private static readonly Lazy<Dictionary<string, string>> s_errorKeys = new(ReadErrorKeys);

    /// <summary>
    /// The one place an OSStatus becomes an exception. Used for calls whose failure is not a verdict about code
    /// (creating a requirement, copying information); validity checks map their status to findings instead.
    /// </summary>
    internal static void ThrowIfError(int status, SafeCFErrorHandle? error = null)
    {
        if (status == CodeSigningStatus.Success)
        {
            return;
        }

        string? description = null;
        IReadOnlyDictionary<string, object?>? userInfo = null;
        if (error is { IsInvalid: false })
        {
            using var text = CoreFoundation.CFErrorCopyDescription(error.DangerousGetHandle());
            description = text.IsInvalid ? null : CoreFoundation.CFStringToString(text);
            userInfo = CopyUserInfo(error);
        }

        throw new SecurityFrameworkException(status, description, userInfo);
    }

    /// <summary>The CFError's user info as plain .NET values (empty for a NULL error).</summary>
    internal static IReadOnlyDictionary<string, object?> CopyUserInfo(SafeCFErrorHandle? error)
    {
        if (error is null || error.IsInvalid)
        {
            return new Dictionary<string, object?>();
        }

        using var userInfo = CoreFoundation.CFErrorCopyUserInfo(error.DangerousGetHandle());
        return userInfo.IsInvalid ? new Dictionary<string, object?>() : NormaliseErrorKeys(CFValueConverter.DictionaryToManaged(userInfo.DangerousGetHandle()));
    }

    // The mapper is written against the documented key strings (§3.5). Read the real ones from the exported
    // kSecCFError* constants and rename to the documented names, so a changed string value cannot hide a finding.
    private static IReadOnlyDictionary<string, object?> NormaliseErrorKeys(IReadOnlyDictionary<string, object?> userInfo)
    {
        var map = s_errorKeys.Value;
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, value) in userInfo)
        {
            result[map.TryGetValue(key, out var documented) ? documented : key] = value;
        }

        return result;
    }

    private static Dictionary<string, string> ReadErrorKeys()
    {
        var documented = new (string Symbol, string Documented)[]
        {
            ("kSecCFErrorArchitecture", NativeResultMapper.ArchitectureKey),
            ("kSecCFErrorResourceAdded", NativeResultMapper.ResourceAddedKey),
            ("kSecCFErrorResourceAltered", NativeResultMapper.ResourceAlteredKey),
            ("kSecCFErrorResourceMissing", NativeResultMapper.ResourceMissingKey),
            ("kSecCFErrorResourceSideband", NativeResultMapper.ResourceSidebandKey),
            ("kSecCFErrorResourceRecursive", NativeResultMapper.ResourceRecursiveKey),
            ("kSecCFErrorPath", NativeResultMapper.PathKey),
            ("kSecCFErrorRequirementSyntax", NativeResultMapper.RequirementSyntaxKey),
        };
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (symbol, name) in documented)
        {
            map[KeyText(symbol, name)] = name;
        }

        return map;
    }
}
