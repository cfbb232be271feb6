using SigWatch.Core.CodeSigning.Requirements;

namespace SigWatch.Core.Tests.CodeSigning.Requirements;

/// <summary>The grammar of Security's requirements.grammar, with line:column errors.</summary>
public sealed class RequirementParserTests
{
    private static RequirementData D(string text) => RequirementData.FromString(text);

    private static IdentifierExpression Id(string text) => new(D(text));

    [Fact]
    public void Parse_AndBindsTighterThanOr_ChainsAreLeftNested()
    {
        var tree = RequirementParser.ParseExpression("identifier a or identifier b and identifier c or identifier d");

        Assert.Equal(new OrExpression(new OrExpression(Id("a"), new AndExpression(Id("b"), Id("c"))), Id("d")), tree);
    }

    [Fact]
    public void Parse_NotBindsTighterThanAnd()
    {
        Assert.Equal(
            new AndExpression(new NotExpression(Id("a")), Id("b")),
            RequirementParser.ParseExpression("! identifier a and identifier b"));
        Assert.Equal(
            new NotExpression(new AndExpression(Id("a"), Id("b"))),
            RequirementParser.ParseExpression("!(identifier a and identifier b)"));
    }

    [Fact]
    public void Parse_ParenthesesOverridePrecedenceAndPreserveRightNesting()
    {
        Assert.Equal(
            new AndExpression(Id("a"), new AndExpression(Id("b"), Id("c"))),
            RequirementParser.ParseExpression("identifier a and (identifier b and identifier c)"));
    }

    [Theory]
    [InlineData("always", true)]
    [InlineData("true", true)]
    [InlineData("never", false)]
    [InlineData("false", false)]
    public void Parse_Constants_AcceptBothSpellings(string text, bool value)
    {
        Assert.Equal(new ConstantExpression(value), RequirementParser.ParseExpression(text));
    }

    [Theory]
    [InlineData("identifier com.apple.foo")]
    [InlineData("identifier \"com.apple.foo\"")]
    [InlineData("identifier = com.apple.foo")]
    [InlineData("identifier == \"com.apple.foo\";;")]
    public void Parse_IdentifierForms_AllCompileAlike(string text)
    {
        Assert.Equal(Id("com.apple.foo"), RequirementParser.ParseExpression(text));
    }

    [Theory]
    [InlineData("anchor apple", typeof(AppleAnchorExpression))]
    [InlineData("anchor apple generic", typeof(AppleGenericAnchorExpression))]
    [InlineData("anchor generic apple", typeof(AppleGenericAnchorExpression))]
    [InlineData("anchor trusted", typeof(TrustedCertificatesExpression))]
    [InlineData("certificate trusted", typeof(TrustedCertificatesExpression))]
    [InlineData("cert trusted", typeof(TrustedCertificatesExpression))]
    [InlineData("notarized", typeof(NotarizedExpression))]
    [InlineData("legacy", typeof(LegacyDeveloperIdExpression))]
    public void Parse_AnchorAndFlagForms_SelectTheRightOpcode(string text, Type expected)
    {
        Assert.IsType(expected, RequirementParser.ParseExpression(text));
    }

    [Fact]
    public void Parse_NamedAnchorAndNamedCode()
    {
        Assert.Equal(new NamedAnchorExpression(D("beta")), RequirementParser.ParseExpression("anchor apple beta"));
        Assert.Equal(new NamedCodeExpression(D("com.x.y")), RequirementParser.ParseExpression("(com.x.y)"));
        Assert.Equal(new NamedCodeExpression(D("a b")), RequirementParser.ParseExpression("(\"a b\")"));
    }

    [Theory]
    [InlineData("certificate leaf = H\"d83f2e6137f03de14122ca5b7a178664befd083e\"", CertificateSlot.Leaf)]
    [InlineData("certificate root = H\"d83f2e6137f03de14122ca5b7a178664befd083e\"", CertificateSlot.Root)]
    [InlineData("anchor = H\"d83f2e6137f03de14122ca5b7a178664befd083e\"", CertificateSlot.Root)]
    [InlineData("anchor H\"D83F2E6137F03DE14122CA5B7A178664BEFD083E\"", CertificateSlot.Root)]
    [InlineData("cert 2 == H\"d83f2e6137f03de14122ca5b7a178664befd083e\"", 2)]
    [InlineData("certificate -2 H\"d83f2e6137f03de14122ca5b7a178664befd083e\"", -2)]
    public void Parse_CertificateHashForms_UseSlotConventions(string text, int slot)
    {
        var tree = Assert.IsType<CertificateHashExpression>(RequirementParser.ParseExpression(text));

        Assert.Equal(slot, tree.Slot);
        Assert.Equal("d83f2e6137f03de14122ca5b7a178664befd083e", tree.Hash.ToHex());
    }

    [Theory]
    [InlineData("certificate leaf[subject.CN] = \"Apple\"", CertificateFieldKind.Subject, "subject.CN")]
    [InlineData("certificate 1[field.1.2.840.113635.100.6.2.6] exists", CertificateFieldKind.Extension, "2a864886f763640602 06")]
    [InlineData("certificate 1[extension.1.2.840.113635.100.6.2.6]", CertificateFieldKind.Extension, "2a864886f763640602 06")]
    [InlineData("certificate 1[policy.1.2.840.113635.100.5.1]", CertificateFieldKind.Policy, "2a864886f7636405 01")]
    [InlineData("certificate leaf[timestamp.1.2.840.113635.100.6.1.33] absent", CertificateFieldKind.Date, "2a864886f763640601 21")]
    public void Parse_CertificateKeyPrefix_SelectsOpcodeAndEncodesOid(string text, CertificateFieldKind kind, string key)
    {
        var tree = Assert.IsType<CertificateFieldExpression>(RequirementParser.ParseExpression(text));

        Assert.Equal(kind, tree.Kind);
        var expected = kind == CertificateFieldKind.Subject ? key : key.Replace(" ", string.Empty, StringComparison.Ordinal);
        Assert.Equal(expected, kind == CertificateFieldKind.Subject ? tree.Key.Text : tree.Key.ToHex());
    }

    [Theory]
    [InlineData("info[K]", MatchOperation.Exists, null)]
    [InlineData("info[K] exists", MatchOperation.Exists, null)]
    [InlineData("info[K] absent", MatchOperation.Absent, null)]
    [InlineData("info[K] = v", MatchOperation.Equal, "v")]
    [InlineData("info[K] == \"v w\"", MatchOperation.Equal, "v w")]
    [InlineData("info[K] = v*", MatchOperation.BeginsWith, "v")]
    [InlineData("info[K] = *v", MatchOperation.EndsWith, "v")]
    [InlineData("info[K] = *v*", MatchOperation.Contains, "v")]
    [InlineData("info[K] ~ v", MatchOperation.Contains, "v")]
    [InlineData("info[K] < \"1.0\"", MatchOperation.LessThan, "1.0")]
    [InlineData("info[K] > v", MatchOperation.GreaterThan, "v")]
    [InlineData("info[K] <= v", MatchOperation.LessEqual, "v")]
    [InlineData("info[K] >= v", MatchOperation.GreaterEqual, "v")]
    [InlineData("info[K] = 0x414243", MatchOperation.Equal, "ABC")]
    public void Parse_MatchSuffix_EveryValueOperation(string text, MatchOperation op, string? value)
    {
        var tree = Assert.IsType<InfoExpression>(RequirementParser.ParseExpression(text));

        Assert.Equal(op, tree.Match.Operation);
        Assert.Equal(value, tree.Match.Value?.Text);
    }

    [Theory]
    [InlineData("= timestamp \"20190408000000Z\"", MatchOperation.On)]
    [InlineData("< timestamp \"20190408000000Z\"", MatchOperation.Before)]
    [InlineData("> timestamp \"20190408000000.5Z\"", MatchOperation.After)]
    [InlineData("<= <2019-04-08 00:00:00 +0000>", MatchOperation.OnOrBefore)]
    [InlineData(">= <2019-04-08 00:00:00 +0000>", MatchOperation.OnOrAfter)]
    public void Parse_DateComparisons_AcceptTimestampAndDumperForms(string suffix, MatchOperation op)
    {
        var tree = Assert.IsType<CertificateFieldExpression>(
            RequirementParser.ParseExpression("certificate leaf[timestamp.1.2.840.113635.100.6.1.33] " + suffix));

        Assert.Equal(op, tree.Match.Operation);
        Assert.Equal(576374400, tree.Match.Timestamp);
    }

    [Fact]
    public void Parse_CdHashPlatformAndEntitlement()
    {
        Assert.Equal("0102030405060708090a0b0c0d0e0f1011121314",
            Assert.IsType<CdHashExpression>(RequirementParser.ParseExpression("cdhash H\"0102030405060708090a0b0c0d0e0f1011121314\"")).Hash.ToHex());
        Assert.Equal(new PlatformExpression(2), RequirementParser.ParseExpression("platform = 2"));
        Assert.Equal(
            new EntitlementExpression(D("com.apple.security.app-sandbox"), RequirementMatch.Exists),
            RequirementParser.ParseExpression("entitlement[\"com.apple.security.app-sandbox\"] exists"));
    }

    [Fact]
    public void Parse_CommentsAndNewlines_AreSkipped()
    {
        var tree = RequirementParser.ParseExpression("# shell\nidentifier a // c++\n and /* c */ anchor apple");

        Assert.Equal(new AndExpression(Id("a"), new AppleAnchorExpression()), tree);
    }

    [Fact]
    public void ParseSet_DesignatedAndLibrary_SortedByTypeLikeApple()
    {
        var set = RequirementParser.ParseSet("library => anchor apple\ndesignated => identifier a;\nhost => anchor apple generic");

        Assert.Equal([1u, 3u, 4u], set.Entries.Select(e => e.Type));
        Assert.Equal("host => anchor apple generic\ndesignated => identifier a\nlibrary => anchor apple\n", set.ToString());
    }

    [Fact]
    public void ParseAny_DetectsSetsAndSingleRequirements()
    {
        Assert.IsType<RequirementSet>(RequirementParser.ParseAny("designated => anchor apple"));
        Assert.IsType<RequirementSet>(RequirementParser.ParseAny("7 => anchor apple"));
        Assert.IsType<Requirement>(RequirementParser.ParseAny("anchor apple"));
    }

    [Theory]
    [InlineData("identifier", 1, 11, "an identifier string after 'identifier'", "end of input")]
    [InlineData("identifier a and", 1, 17, "a requirement clause", "end of input")]
    [InlineData("identifier a\n  or or", 2, 6, "a requirement clause", "'or'")]
    [InlineData("(identifier a", 1, 14, "')' closing the '(' at 1:1", "end of input")]
    [InlineData("identifier a identifier b", 1, 14, "'and', 'or', ';' or end of input", "'identifier'")]
    [InlineData("cdhash H\"0102\"", 1, 8, "a hash of exactly 40 hex digits", "hash H\"0102\"")]
    [InlineData("certificate leaf[bogus.x] exists", 1, 18, "a certificate field key", "'bogus.x'")]
    [InlineData("certificate leaf[field.1.x] exists", 1, 18, "a dotted OID after 'field.'", "'field.1.x'")]
    [InlineData("info[K] = timestamp \"2019\"", 1, 21, "a GeneralizedTime", "string \"2019\"")]
    [InlineData("info[K] = 0x123", 1, 11, "an even number of hex digits", "0x123")]
    [InlineData("identifier \"abc", 1, 16, "'\"' closing the string opened at 1:12", "end of input")]
    [InlineData("identifier a $", 1, 14, "a requirement token", "'$'")]
    [InlineData("anchor apple generic /* open", 1, 29, "'*/' closing the comment opened at 1:22", "end of input")]
    [InlineData("certificate leaf = /System/Library/Foo", 1, 20, "H\"40 hex digits\" (certificate files are not supported", "'/System/Library/Foo'")]
    public void Parse_SyntaxError_ReportsLineColumnAndExpectation(string text, int line, int column, string expected, string found)
    {
        var error = Assert.Throws<RequirementSyntaxException>(() => RequirementParser.ParseExpression(text));

        Assert.Equal((line, column), (error.Line, error.Column));
        Assert.StartsWith(expected, error.Expected, StringComparison.Ordinal);
        Assert.Equal(found, error.Found);
        Assert.StartsWith($"{line}:{column}: expected ", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("designated => anchor apple\ndesignated => anchor apple", 2, 1, "each requirement type at most once")]
    [InlineData("designated anchor apple", 1, 12, "'=>' after the requirement type")]
    [InlineData("bogus => anchor apple", 1, 1, "a requirement type")]
    public void ParseSet_SyntaxError_ReportsLineColumnAndExpectation(string text, int line, int column, string expected)
    {
        var error = Assert.Throws<RequirementSyntaxException>(() => RequirementParser.ParseSet(text));

        Assert.Equal((line, column), (error.Line, error.Column));
        Assert.StartsWith(expected, error.Expected, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NestingBeyondStackLimit_IsASyntaxErrorNotAStackOverflow()
    {
        var deep = new string('(', 50_000) + "always" + new string(')', 50_000);
        var chain = string.Join(" and ", Enumerable.Repeat("always", 5_000));

        Assert.Contains("nested at most", Assert.Throws<RequirementSyntaxException>(() => RequirementParser.ParseExpression(deep)).Expected, StringComparison.Ordinal);
        Assert.Contains("nested at most", Assert.Throws<RequirementSyntaxException>(() => RequirementParser.ParseExpression(chain)).Expected, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_StringEscapes_ReadBackWhatTheDumperWrites()
    {
        var tree = new IdentifierExpression(D("a\"b\\c"));

        Assert.Equal(tree, RequirementParser.ParseExpression(tree.ToString()));
    }
}
