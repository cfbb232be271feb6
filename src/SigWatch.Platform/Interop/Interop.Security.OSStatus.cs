using System.Runtime.Versioning;
using SigWatch.Platform.Darwin;

namespace SigWatch.Platform.Interop;

[SupportedOSPlatform("macos")]
internal static partial class Security
{
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
        return userInfo.IsInvalid ? new Dictionary<string, object?>() : CFValueConverter.DictionaryToManaged(userInfo.DangerousGetHandle());
    }
}
