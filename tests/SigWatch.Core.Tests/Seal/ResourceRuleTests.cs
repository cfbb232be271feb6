using System.Text;
using SigWatch.Core.Seal;

namespace SigWatch.Core.Tests.Seal;

public class ResourceRuleTests
{
    private static readonly ResourceRuleSet s_default = new(
        [ResourceRule.CreateExclusion("^_CodeSignature$"), ResourceRule.CreateExclusion("^MacOS/App$")],
        [
            ResourceRule.Create("^.*"),
            ResourceRule.Create("^[^/]+$", 10, nested: true),
            ResourceRule.Create("^(Frameworks|SharedFrameworks|PlugIns|Plug-ins|XPCServices|Helpers|MacOS|Library/(Automator|Spotlight|LoginItems))/", 10, nested: true),
            ResourceRule.Create(@".*\.dSYM($|/)", 11),
            ResourceRule.Create(@"^(.*/)?\.DS_Store$", 2000, omit: true),
            ResourceRule.Create(@"^Info\.plist$", 20, omit: true),
            ResourceRule.Create("^Resources/", 20),
            ResourceRule.Create(@"^Resources/.*\.lproj/", 1000, optional: true),
            ResourceRule.Create(@"^Resources/Base\.lproj/", 1010),
            ResourceRule.Create(@"^Resources/.*\.lproj/locversion.plist$", 1100, omit: true),
        ]);

    [Theory]
    [InlineData("Resources/a.txt", "^Resources/")]
    [InlineData("Resources/en.lproj/a.strings", @"^Resources/.*\.lproj/")]
    [InlineData("Resources/Base.lproj/a.nib", @"^Resources/Base\.lproj/")]
    [InlineData("Resources/en.lproj/locversion.plist", @"^Resources/.*\.lproj/locversion.plist$")]
    [InlineData("Resources/x/.DS_Store", @"^(.*/)?\.DS_Store$")]
    [InlineData("Info.plist", @"^Info\.plist$")]
    [InlineData("PkgInfo2", "^[^/]+$")]
    [InlineData("Frameworks/F.framework", "^(Frameworks|SharedFrameworks|PlugIns|Plug-ins|XPCServices|Helpers|MacOS|Library/(Automator|Spotlight|LoginItems))/")]
    [InlineData("Frameworks/F.framework.dSYM/x", @".*\.dSYM($|/)")]
    [InlineData("Other/deep/file", "^.*")]
    [InlineData("_CodeSignature", "^_CodeSignature$")]
    [InlineData("MacOS/App", "^MacOS/App$")]
    public void FindRule_DefaultRules2_PicksTheHeaviestMatch(string path, string expected) =>
        Assert.Equal(expected, s_default.FindRule(path)?.Pattern);

    [Fact]
    public void FindRule_EqualWeights_FirstInFileOrderWins()
    {
        var set = new ResourceRuleSet([], [ResourceRule.Create("^a", 5, optional: true), ResourceRule.Create("^a", 5, nested: true)]);
        Assert.True(set.FindRule("a/b")!.Optional);
    }

    [Fact]
    public void FindRule_EqualWeightsOmitAgainstInclude_OmitWins()
    {
        // Old iOS rules2 (fastlane fixture): '^' weight 20 and '^Info\.plist$' omit weight 20; Apple left Info.plist out.
        var set = new ResourceRuleSet([], [ResourceRule.Create("^", 20), ResourceRule.Create(@"^Info\.plist$", 20, omit: true)]);
        Assert.True(set.FindRule("Info.plist")!.Omit);
        Assert.False(set.FindRule("other")!.Omit);
    }

    [Fact]
    public void FindRule_ExclusionMatches_WinsOverHeavierRule()
    {
        var set = new ResourceRuleSet([ResourceRule.CreateExclusion("^x$")], [ResourceRule.Create("^x$", 1e6)]);
        Assert.True(set.FindRule("x")!.Exclusion);
    }

    [Fact]
    public void FindRule_NothingMatches_IsNull() =>
        Assert.Null(new ResourceRuleSet([], [ResourceRule.Create("^Resources/")]).FindRule("MacOS/x"));

    [Fact]
    public void Parse_IntegerAndRealWeights_BothAcceptedAndTruncatedToUnsigned()
    {
        var seal = CodeResources.Parse(Plist("""
            <key>files2</key><dict/>
            <key>rules2</key><dict>
              <key>^a</key><dict><key>weight</key><integer>7</integer></dict>
              <key>^b</key><dict><key>weight</key><real>8.5</real><key>nested</key><true/></dict>
              <key>^.*</key><true/>
            </dict>
            """));
        Assert.Equal([7, 8, 1], seal.Rules.Select(r => r.Weight));
        Assert.True(seal.Rules[1].Nested);
        Assert.True(seal.HasCatchAllRule);
        Assert.Equal(2, seal.Version);
    }

    [Fact]
    public void Parse_EntryForms_FileSymlinkNestedAndBareData()
    {
        var seal = CodeResources.Parse(Plist("""
            <key>files</key><dict><key>old</key><data>AAAAAAAAAAAAAAAAAAAAAAAAAAA=</data></dict>
            <key>files2</key><dict>
              <key>f</key><dict><key>hash2</key><data>AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=</data><key>optional</key><true/></dict>
              <key>l</key><dict><key>symlink</key><string>../x</string></dict>
              <key>n</key><dict><key>cdhash</key><data>AAAAAAAAAAAAAAAAAAAAAAAAAAA=</data><key>requirement</key><string>cdhash H"00"</string></dict>
              <key>d</key><data>AAAAAAAAAAAAAAAAAAAAAAAAAAA=</data>
            </dict>
            <key>rules2</key><dict><key>^.*</key><true/></dict>
            """));
        Assert.Equal(SealedResourceKind.File, seal.Files["f"].Kind);
        Assert.True(seal.Files["f"].Optional);
        Assert.Equal("../x", seal.Files["l"].SymlinkTarget);
        Assert.Equal(SealedResourceKind.NestedCode, seal.Files["n"].Kind);
        Assert.NotNull(seal.Files["d"].Sha1);
        Assert.False(seal.Files.ContainsKey("old"));
    }

    [Fact]
    public void Parse_OnlyLegacyFiles_IsVersion1WithResourcesAsCatchAll()
    {
        var seal = CodeResources.Parse(Plist("""
            <key>files</key><dict><key>Resources/a</key><data>AAAAAAAAAAAAAAAAAAAAAAAAAAA=</data></dict>
            <key>rules</key><dict><key>^Resources/</key><true/></dict>
            """));
        Assert.Equal(1, seal.Version);
        Assert.True(seal.HasCatchAllRule); // SEC hasWeakResourceRules: the v1 catch-all is '^Resources/'
    }

    [Fact]
    public void Create_ThousandsOfDistinctPatterns_EachStillMatchesExactly()
    {
        // Past the shared cache's bound the patterns are interpreted instead of compiled and kept: same answers.
        var rules = Enumerable.Range(0, 2000).Select(i => ResourceRule.Create($"^Resources/r{i}\\.bin$")).ToList();

        Assert.All(rules.Select((rule, i) => (rule, i)), x =>
        {
            Assert.True(x.rule.Matches($"Resources/r{x.i}.bin"));
            Assert.False(x.rule.Matches($"Resources/r{x.i}xbin"));
        });
    }

    [Theory]
    [InlineData("not a plist", SealFormatReason.NotAPropertyList)]
    [InlineData("<?xml version=\"1.0\"?><plist version=\"1.0\"><array/></plist>", SealFormatReason.NotADictionary)]
    [InlineData("<?xml version=\"1.0\"?><plist version=\"1.0\"><dict/></plist>", SealFormatReason.NoFileDictionary)]
    [InlineData("<?xml version=\"1.0\"?><plist version=\"1.0\"><dict><key>files2</key><dict/></dict></plist>", SealFormatReason.NoRuleDictionary)]
    [InlineData("<?xml version=\"1.0\"?><plist version=\"1.0\"><dict><key>files2</key><dict/><key>rules2</key><dict><key>(</key><true/></dict></dict></plist>", SealFormatReason.InvalidRule)]
    [InlineData("<?xml version=\"1.0\"?><plist version=\"1.0\"><dict><key>files2</key><dict><key>a</key><dict/></dict><key>rules2</key><dict/></dict></plist>", SealFormatReason.InvalidEntry)]
    public void Parse_Malformed_ThrowsWithReason(string text, SealFormatReason reason) =>
        Assert.Equal(reason, Assert.Throws<SealFormatException>(() => CodeResources.Parse(Encoding.UTF8.GetBytes(text))).Reason);

    private static byte[] Plist(string body) =>
        Encoding.UTF8.GetBytes($"<?xml version=\"1.0\" encoding=\"UTF-8\"?><plist version=\"1.0\"><dict>{body}</dict></plist>");
}
