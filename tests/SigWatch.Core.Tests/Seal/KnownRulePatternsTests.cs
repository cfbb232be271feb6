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
