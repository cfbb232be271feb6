using System.Collections.Frozen;
using System.Text.RegularExpressions;

namespace SigWatch.Core.Seal;

/// <summary>
/// The rule patterns Apple's tools write into nearly every seal (codesign's default rules and rules2, as found in every
/// CodeResources under ../shared/fixtures/real) and the verifier's implicit exclusions, compiled ahead of time by the
/// regex source generator. Under Native AOT, <see cref="RegexOptions.Compiled"/> is ignored and every other pattern runs
/// in the interpreter, which was a tenth of a 100,000-file verification's CPU (issue #20). The options and timeout are
/// those <see cref="ResourceRule"/> uses for any pattern, so a known pattern matches exactly as it would if it were not
/// known.
/// </summary>
internal static partial class KnownRulePatterns
{
    private const RegexOptions Options = RegexOptions.CultureInvariant;
    internal const int TimeoutMilliseconds = 1000;

    private static readonly FrozenDictionary<string, Regex> s_byPattern = new Dictionary<string, Regex>(StringComparer.Ordinal)
    {
        ["^Resources/"] = ResourcesDirectory(),
        ["^Resources/.*\\.lproj/"] = ResourcesLocalizations(),
        ["^Resources/.*\\.lproj/locversion.plist$"] = ResourcesLocVersion(),
        ["^Resources/Base\\.lproj/"] = ResourcesBaseLocalization(),
        ["^version.plist$"] = VersionPlistLoose(),
        [".*\\.dSYM($|/)"] = DebugSymbols(),
        ["^(.*/)?\\.DS_Store$"] = DsStore(),
        ["^(Frameworks|SharedFrameworks|PlugIns|Plug-ins|XPCServices|Helpers|MacOS|Library/(Automator|Spotlight|LoginItems))/"] = NestedCodeDirectories(),
        ["^.*"] = Everything(),
        ["^Info\\.plist$"] = InfoPlist(),
        ["^PkgInfo$"] = PkgInfo(),
        ["^[^/]+$"] = TopLevelFile(),
        ["^embedded\\.provisionprofile$"] = ProvisioningProfile(),
        ["^version\\.plist$"] = VersionPlist(),
        ["^"] = Root(),
        ["^.*\\.lproj/"] = Localizations(),
        ["^.*\\.lproj/locversion.plist$"] = LocVersion(),
        ["^Base\\.lproj/"] = BaseLocalization(),
        ["^_CodeSignature$"] = CodeSignatureExclusion(),
        ["^CodeResources$"] = CodeResourcesExclusion(),
        ["^_MASReceipt$"] = MasReceiptExclusion(),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Every known pattern.</summary>
    public static IEnumerable<string> Patterns => s_byPattern.Keys;

    /// <summary>The precompiled expression for <paramref name="pattern"/>, or null when it is not one of Apple's.</summary>
    public static Regex? Find(string pattern) => s_byPattern.GetValueOrDefault(pattern);

    [GeneratedRegex("^Resources/", Options, TimeoutMilliseconds)]
    private static partial Regex ResourcesDirectory();

    [GeneratedRegex("^Resources/.*\\.lproj/", Options, TimeoutMilliseconds)]
    private static partial Regex ResourcesLocalizations();

    [GeneratedRegex("^Resources/.*\\.lproj/locversion.plist$", Options, TimeoutMilliseconds)]
    private static partial Regex ResourcesLocVersion();

    [GeneratedRegex("^Resources/Base\\.lproj/", Options, TimeoutMilliseconds)]
    private static partial Regex ResourcesBaseLocalization();

    [GeneratedRegex("^version.plist$", Options, TimeoutMilliseconds)]
    private static partial Regex VersionPlistLoose();

    [GeneratedRegex(".*\\.dSYM($|/)", Options, TimeoutMilliseconds)]
    private static partial Regex DebugSymbols();

    [GeneratedRegex("^(.*/)?\\.DS_Store$", Options, TimeoutMilliseconds)]
    private static partial Regex DsStore();

    [GeneratedRegex("^(Frameworks|SharedFrameworks|PlugIns|Plug-ins|XPCServices|Helpers|MacOS|Library/(Automator|Spotlight|LoginItems))/", Options, TimeoutMilliseconds)]
    private static partial Regex NestedCodeDirectories();

    [GeneratedRegex("^.*", Options, TimeoutMilliseconds)]
    private static partial Regex Everything();

    [GeneratedRegex("^Info\\.plist$", Options, TimeoutMilliseconds)]
    private static partial Regex InfoPlist();

    [GeneratedRegex("^PkgInfo$", Options, TimeoutMilliseconds)]
    private static partial Regex PkgInfo();

    [GeneratedRegex("^[^/]+$", Options, TimeoutMilliseconds)]
    private static partial Regex TopLevelFile();

    [GeneratedRegex("^embedded\\.provisionprofile$", Options, TimeoutMilliseconds)]
    private static partial Regex ProvisioningProfile();

    [GeneratedRegex("^version\\.plist$", Options, TimeoutMilliseconds)]
    private static partial Regex VersionPlist();

    [GeneratedRegex("^", Options, TimeoutMilliseconds)]
    private static partial Regex Root();

    [GeneratedRegex("^.*\\.lproj/", Options, TimeoutMilliseconds)]
    private static partial Regex Localizations();

    [GeneratedRegex("^.*\\.lproj/locversion.plist$", Options, TimeoutMilliseconds)]
    private static partial Regex LocVersion();

    [GeneratedRegex("^Base\\.lproj/", Options, TimeoutMilliseconds)]
    private static partial Regex BaseLocalization();

    [GeneratedRegex("^_CodeSignature$", Options, TimeoutMilliseconds)]
    private static partial Regex CodeSignatureExclusion();

    [GeneratedRegex("^CodeResources$", Options, TimeoutMilliseconds)]
    private static partial Regex CodeResourcesExclusion();

    [GeneratedRegex("^_MASReceipt$", Options, TimeoutMilliseconds)]
    private static partial Regex MasReceiptExclusion();
}
