using System.Text.RegularExpressions;
using CsCheck;
using SigWatch.Core.Plist;
using SigWatch.Core.Seal;
using SigWatch.TestSupport;

namespace SigWatch.Core.Tests.Seal;

/// <summary>The precompiled rule patterns match exactly as the same patterns run by the regex interpreter.</summary>
public sealed class KnownRulePatternsTests
{
    private static readonly string[] s_segments =
    [
        "Resources", "Info.plist", "PkgInfo", "version.plist", "versionXplist", "en.lproj", "Base.lproj", "locversion.plist",
        "Frameworks", "Library", "Automator", "LoginItems", "MacOS", "Plug-ins", "XPCServices", ".DS_Store", "x.dSYM", "dSYM",
        "_CodeSignature", "CodeResources", "_MASReceipt", "embedded.provisionprofile", "a", "é", "e\u0301", "İ", "K", "\u212A",
    ];

    [Fact]
    public void EveryKnownPattern_MatchesLikeTheInterpreter()
    {
        var interpreted = KnownRulePatterns.Patterns.ToDictionary(p => p, p => new Regex(p, RegexOptions.CultureInvariant), StringComparer.Ordinal);
        Gen.Select(Gen.Int[1, 5], Gen.Int[0, int.MaxValue]).Sample((depth, salt) =>
        {
            var random = new Random(salt);
            var path = string.Join('/', Enumerable.Range(0, depth).Select(_ => s_segments[random.Next(s_segments.Length)]));
            foreach (var (pattern, regex) in interpreted)
            {
                Assert.True(regex.IsMatch(path) == KnownRulePatterns.Find(pattern)!.IsMatch(path), $"'{pattern}' on '{path}'");
            }
        }, iter: 5000);
    }

    [Fact]
    public void Rule_ForAKnownPattern_UsesThePrecompiledExpression()
    {
        Assert.Same(KnownRulePatterns.Find("^Resources/"), ResourceRule.Create("^Resources/").Regex);
        Assert.Same(KnownRulePatterns.Find("^_CodeSignature$"), ResourceRule.CreateExclusion("^_CodeSignature$").Regex);
        Assert.Null(KnownRulePatterns.Find("^Resources/x"));
    }

    [RealFixturesFact]
    public void ApplesRulePatterns_InTheRealSeals_AreAllKnown()
    {
        var unknown = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var path in Directory.EnumerateFiles(RepoPaths.RealFixtures, "CodeResources", SearchOption.AllDirectories)
                     .Where(p => Path.GetFileName(Path.GetDirectoryName(p)) == "_CodeSignature"))
        {
            if (PropertyList.TryRead(File.ReadAllBytes(path), out var value, out _) && value is PlistDictionary seal)
            {
                foreach (var rules in new[] { seal.GetDictionary("rules"), seal.GetDictionary("rules2") })
                {
                    unknown.UnionWith((rules?.Keys ?? []).Where(p => KnownRulePatterns.Find(p) is null));
                }
            }
        }

        Assert.Empty(unknown);
    }
}

/// <summary>
/// Rule matching takes shortcuts — anchored literals compared as strings, rules tried in precedence order with the first
/// match taken — that must give exactly the answers of the regex engine and of SEC's selection over every rule.
/// </summary>
public sealed class RuleMatchingShortcutTests
{
    private static readonly string[] s_patterns =
    [
        "^Resources/", "^Info\\.plist$", "^PkgInfo$", "^", "^$", "^.*", "^version.plist$", "^version\\.plist$", "^_CodeSignature$",
        "^a\\$", "^a\\\\$", "^a\\\\\\$", "^Résumé/", "^a b$", "^MacOS/My\\ App$", "^x\\n$", "^[^/]+$", "^Resources/.*\\.lproj/",
        "^(.*/)?\\.DS_Store$", "Resources/", "^Resources/Base\\.lproj/", "^" + Regex.Escape("MacOS/a.b (1)+$") + "$",
        "^(.*/)?Info\\.plist$", "^(.*/)?$", "^(.*/)?a\\$", "^(.*/)?.DS_Store$", "^(.*/)?\\.DS_Store", "^(.*)?\\.DS_Store$",
    ];

    private static readonly string[] s_paths =
    [
        "", "\n", "Resources", "Resources/", "Resources/a", "Info.plist", "Info.plist\n", "Info.plist\n\n", "Infoxplist", "PkgInfo",
        "a$", "a\\", "a\\$", "Résumé/x", "a b", "MacOS/My App", "MacOS/My App\n", "x\n", "version.plist", "versionXplist",
        "Resources/en.lproj/x", ".DS_Store", "a/.DS_Store", "_CodeSignature", "MacOS/a.b (1)+$", "MacOS/a.b (1)+$\n", "x/Resources/",
        ".DS_Store\n", "a/b/.DS_Store\n", "a/.DS_Store\n\n", "a\nb/.DS_Store", "a\n/.DS_Store", "\n.DS_Store", "/.DS_Store", "a.DS_Store",
        "a/x.DS_Store", "a/.DS_Storex", "a//.DS_Store", "x/Info.plist", "x/Info.plist\n", "Info.plist/x", "d/a$", "a$\n", "x/",
    ];

    [Fact]
    public void Rule_MatchesExactlyLikeTheRegexEngine()
    {
        foreach (var pattern in s_patterns)
        {
            var rule = ResourceRule.Create(pattern);
            var regex = new Regex(pattern, RegexOptions.CultureInvariant);
            foreach (var path in s_paths)
            {
                Assert.True(regex.IsMatch(path) == rule.Matches(path), $"'{pattern}' on '{path.Replace("\n", "\\n", StringComparison.Ordinal)}'");
            }
        }
    }

    [Fact]
    public void LiteralShortcut_TakesOnlyAnchoredLiterals()
    {
        Assert.Equal(LiteralKind.Prefix, LiteralPattern.Of("^Resources/").Kind);
        Assert.Equal(new LiteralPattern(LiteralKind.Exact, "Info.plist"), LiteralPattern.Of("^Info\\.plist$"));
        Assert.Equal(new LiteralPattern(LiteralKind.Prefix, "a$"), LiteralPattern.Of("^a\\$"));
        Assert.Equal(LiteralKind.None, LiteralPattern.Of("^version.plist$").Kind);
        Assert.Equal(LiteralKind.None, LiteralPattern.Of("^x\\n$").Kind);
        Assert.Equal(LiteralKind.None, LiteralPattern.Of("Resources/").Kind);
        Assert.Equal(new LiteralPattern(LiteralKind.FileName, ".DS_Store"), LiteralPattern.Of("^(.*/)?\\.DS_Store$"));
        Assert.Equal(LiteralKind.None, LiteralPattern.Of("^(.*/)?.DS_Store$").Kind);
        Assert.Equal(LiteralKind.None, LiteralPattern.Of("^(.*/)?\\.DS_Store").Kind);
        Assert.Equal(LiteralKind.None, LiteralPattern.Of("^(.*/)?$").Kind);
    }

    [Fact]
    public void RuleSet_ChoosesLikeSecsSelectionOverEveryRule()
    {
        var weights = new double[] { 0, 1, 10, 20, 20, 1000 };
        Gen.Select(Gen.Int[0, int.MaxValue], Gen.Int[1, 8]).Sample((salt, count) =>
        {
            var random = new Random(salt);
            var rules = Enumerable.Range(0, count)
                .Select(_ => ResourceRule.Create(s_patterns[random.Next(s_patterns.Length)], weights[random.Next(weights.Length)], omit: random.Next(3) == 0))
                .ToList();
            var set = new ResourceRuleSet([], rules);
            foreach (var path in s_paths)
            {
                Assert.Same(Reference(rules, path), set.FindRule(path));
            }
        }, iter: 3000);
    }

    // SEC resources.cpp findRule as it was written here before the shortcut: every rule, in file order; a greater
    // weight wins, and an omitting rule wins a tie.
    private static ResourceRule? Reference(List<ResourceRule> rules, string path)
    {
        ResourceRule? best = null;
        foreach (var rule in rules)
        {
            if ((best is null || rule.Weight > best.Weight || (rule.Weight == best.Weight && rule.Omit && !best.Omit))
                && new Regex(rule.Pattern, RegexOptions.CultureInvariant).IsMatch(path))
            {
                best = rule;
            }
        }

        return best;
    }
}
