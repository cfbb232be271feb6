using SigWatch.Core.Plist;

namespace SigWatch.TestSupport.Builders;

/// <summary>
/// The rules modern codesign writes (SEC bundlediskrep.cpp <c>defaultResourceRules</c>, reference §8.2): one set for
/// bundles with a <c>Resources/</c> directory (macOS apps, frameworks), one for iOS-style shallow bundles.
/// </summary>
public static class DefaultResourceRules
{
    public static PlistDictionary Rules(bool withResourcesDirectory)
    {
        var r = withResourcesDirectory ? "Resources/" : string.Empty;
        var rules = new List<KeyValuePair<string, PlistValue>> { new("^version.plist$", PlistBoolean.True) };
        rules.Add(new(withResourcesDirectory ? "^Resources/" : "^.*", PlistBoolean.True));
        rules.Add(new($"^{r}.*\\.lproj/", Rule(1000, optional: true)));
        rules.Add(new($"^{r}Base\\.lproj/", Rule(1010)));
        rules.Add(new($"^{r}.*\\.lproj/locversion.plist$", Rule(1100, omit: true)));
        return new PlistDictionary(rules);
    }

    public static PlistDictionary Rules2(bool withResourcesDirectory)
    {
        var r = withResourcesDirectory ? "Resources/" : string.Empty;
        var rules = new List<KeyValuePair<string, PlistValue>>
        {
            new("^.*", PlistBoolean.True),
            new(".*\\.dSYM($|/)", Rule(11)),
            new("^(.*/)?\\.DS_Store$", Rule(2000, omit: true)),
            new("^Info\\.plist$", Rule(20, omit: true)),
            new("^version\\.plist$", Rule(20)),
            new("^embedded\\.provisionprofile$", Rule(20)),
            new("^PkgInfo$", Rule(20, omit: true)),
            new($"^{r}.*\\.lproj/", Rule(1000, optional: true)),
            new($"^{r}Base\\.lproj/", Rule(1010)),
            new($"^{r}.*\\.lproj/locversion.plist$", Rule(1100, omit: true)),
        };
        if (withResourcesDirectory)
        {
            rules.Insert(1, new("^[^/]+$", Rule(10, nested: true)));
            rules.Insert(2, new("^(Frameworks|SharedFrameworks|PlugIns|Plug-ins|XPCServices|Helpers|MacOS|Library/(Automator|Spotlight|LoginItems))/", Rule(10, nested: true)));
            rules.Add(new("^Resources/", Rule(20)));
        }

        return new PlistDictionary(rules);
    }

    private static PlistDictionary Rule(double weight, bool omit = false, bool optional = false, bool nested = false)
    {
        var entries = new List<KeyValuePair<string, PlistValue>>();
        if (nested)
        {
            entries.Add(new("nested", PlistBoolean.True));
        }

        if (omit)
        {
            entries.Add(new("omit", PlistBoolean.True));
        }

        if (optional)
        {
            entries.Add(new("optional", PlistBoolean.True));
        }

        entries.Add(new("weight", new PlistReal(weight)));
        return new PlistDictionary(entries);
    }
}
