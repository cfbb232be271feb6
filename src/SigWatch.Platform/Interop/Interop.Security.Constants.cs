using System.Runtime.Versioning;

namespace SigWatch.Platform.Interop;

/// <summary>
/// Exported <c>const CFStringRef</c> keys of the Security framework, read at first use through
/// <see cref="NativeExports.ReadPointer"/> (§3.6). Constants: never released.
/// </summary>
[SupportedOSPlatform("macos")]
internal static partial class Security
{
    private static readonly Lazy<SigWatch.Platform.Darwin.SigningInfoKeys> s_signingInfoKeys = new(() =>
    {
        var documented = SigWatch.Platform.Darwin.SigningInfoKeys.Documented;
        return new(
            KeyText("kSecCodeInfoIdentifier", documented.Identifier),
            KeyText("kSecCodeInfoTeamIdentifier", documented.TeamId),
            KeyText("kSecCodeInfoUnique", documented.Unique),
            KeyText("kSecCodeInfoFlags", documented.Flags),
            KeyText("kSecCodeInfoEntitlementsDict", documented.EntitlementsDict),
            KeyText("kSecCodeInfoEntitlements", documented.Entitlements),
            KeyText("kSecCodeInfoTime", documented.Time),
            KeyText("kSecCodeInfoTimestamp", documented.Timestamp),
            KeyText("kSecCodeInfoStatus", documented.Status));
    });

    /// <summary>The signing-information key strings as this framework exports them (read once).</summary>
    internal static SigWatch.Platform.Darwin.SigningInfoKeys SigningInfoKeys => s_signingInfoKeys.Value;

    private static IntPtr Export(string symbol) => NativeExports.ReadPointer(Libraries.Security, symbol);

    /// <summary>
    /// The string value of an exported key, or the documented value (§3.3/§3.5) if this macOS does not export the
    /// symbol: a missing export must not make every validation fail.
    /// </summary>
    internal static string KeyText(string symbol, string documented)
    {
        try
        {
            return CoreFoundation.CFStringToString(Export(symbol));
        }
        catch (EntryPointNotFoundException)
        {
            return documented;
        }
    }

    internal static IntPtr kSecCodeInfoIdentifier => Export("kSecCodeInfoIdentifier");
    internal static IntPtr kSecCodeInfoTeamIdentifier => Export("kSecCodeInfoTeamIdentifier");
    internal static IntPtr kSecCodeInfoUnique => Export("kSecCodeInfoUnique");
    internal static IntPtr kSecCodeInfoFlags => Export("kSecCodeInfoFlags");
    internal static IntPtr kSecCodeInfoCertificates => Export("kSecCodeInfoCertificates");
    internal static IntPtr kSecCodeInfoEntitlementsDict => Export("kSecCodeInfoEntitlementsDict");
    internal static IntPtr kSecCodeInfoEntitlements => Export("kSecCodeInfoEntitlements");
    internal static IntPtr kSecCodeInfoTime => Export("kSecCodeInfoTime");
    internal static IntPtr kSecCodeInfoTimestamp => Export("kSecCodeInfoTimestamp");
    internal static IntPtr kSecCodeInfoStatus => Export("kSecCodeInfoStatus");

    internal static IntPtr kSecCFErrorArchitecture => Export("kSecCFErrorArchitecture");
    internal static IntPtr kSecCFErrorResourceAdded => Export("kSecCFErrorResourceAdded");
    internal static IntPtr kSecCFErrorResourceAltered => Export("kSecCFErrorResourceAltered");
    internal static IntPtr kSecCFErrorResourceMissing => Export("kSecCFErrorResourceMissing");
    internal static IntPtr kSecCFErrorResourceSideband => Export("kSecCFErrorResourceSideband");
    internal static IntPtr kSecCFErrorResourceRecursive => Export("kSecCFErrorResourceRecursive");
    internal static IntPtr kSecCFErrorPath => Export("kSecCFErrorPath");
    internal static IntPtr kSecCFErrorRequirementSyntax => Export("kSecCFErrorRequirementSyntax");

    /// <summary>kSecGuestAttributeAudit: value is a CFData of exactly 32 bytes (an audit_token_t).</summary>
    internal static IntPtr kSecGuestAttributeAudit => Export("kSecGuestAttributeAudit");
}
