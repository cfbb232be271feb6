using SigWatch.Core.CodeSigning.Requirements;

namespace SigWatch.Core.Tests.CodeSigning.Requirements;

/// <summary>
/// Canonical text, token for token as Security's reqdumper.cpp (tag Security-61901.0.87.0.1) prints it.
/// </summary>
public sealed class RequirementTextTests
{
    private static RequirementData D(string text) => RequirementData.FromString(text);

    private static RequirementData Oid(string dotted) =>
        RequirementOid.TryFromDotted(dotted, out var bytes) ? new RequirementData(bytes) : throw new ArgumentException(dotted);

    private static CertificateFieldExpression Field(int slot, string oid) =>
        new(CertificateFieldKind.Extension, slot, Oid(oid), RequirementMatch.Exists);

    private static CertificateFieldExpression Subject(int slot, string key, string value) =>
        new(CertificateFieldKind.Subject, slot, D(key), RequirementMatch.EqualTo(value));

    [Fact]
    public void ToString_XcodeDeveloperIdDesignatedRequirement_MatchesPublishedCodesignOutput()
    {
        // codesign output quoted at https://www.mac.tightenapp.com/2012/06/apple-codesigning-certificates.html
        // (line breaks there are the blog's): "anchor apple generic and identifier "com.genkiyooka.developerid" and
        // (certificate leaf[field.1.2.840.113635.100.6.1.9] /* exists */ or certificate 1[field.1.2.840.113635.100.6.2.6]
        // /* exists */ and certificate leaf[field.1.2.840.113635.100.6.1.13] /* exists */ and certificate
        // leaf[subject.OU] = MQK467HD9A)". The tree is the one Xcode compiles: left-nested chains.
        var tree = new AndExpression(
            new AndExpression(new AppleGenericAnchorExpression(), new IdentifierExpression(D("com.genkiyooka.developerid"))),
            new OrExpression(
                Field(CertificateSlot.Leaf, "1.2.840.113635.100.6.1.9"),
                new AndExpression(
                    new AndExpression(Field(1, "1.2.840.113635.100.6.2.6"), Field(CertificateSlot.Leaf, "1.2.840.113635.100.6.1.13")),
                    Subject(CertificateSlot.Leaf, "subject.OU", "MQK467HD9A"))));

        Assert.Equal(
            "anchor apple generic and identifier \"com.genkiyooka.developerid\" and (certificate leaf[field.1.2.840.113635.100.6.1.9] /* exists */ or certificate 1[field.1.2.840.113635.100.6.2.6] /* exists */ and certificate leaf[field.1.2.840.113635.100.6.1.13] /* exists */ and certificate leaf[subject.OU] = MQK467HD9A)",
            tree.ToString());
    }

    [Fact]
    public void ToString_RightNestedAndChain_PrintsWithoutParenthesesLikeCodesign()
    {
        // drmaker.cpp builds And(ident, And(anchor, And(...))); reqdumper passes slAnd to both operands, so no brackets.
        var tree = new AndExpression(
            new IdentifierExpression(D("libexpat.1")),
            new AndExpression(new AppleGenericAnchorExpression(), Subject(CertificateSlot.Leaf, "subject.OU", "EG7KH642X6")));

        Assert.Equal("identifier \"libexpat.1\" and anchor apple generic and certificate leaf[subject.OU] = EG7KH642X6", tree.ToString());
        Assert.Equal(
            "identifier \"libexpat.1\" and (anchor apple generic and certificate leaf[subject.OU] = EG7KH642X6)",
            RequirementTextWriter.Write(tree, RequirementTextStyle.RoundTrip));
    }

    [Theory]
    [InlineData("com.foo", "\"com.foo\"")] // identifier uses data() without dotOkay: a dot forces quotes
    [InlineData("badcert", "badcert")] // alphanumeric, not a keyword: bare
    [InlineData("1abc", "\"1abc\"")] // unquoted idents can't start with a digit
    [InlineData("anchor", "\"anchor\"")] // reserved word
    [InlineData("", "\"\"")] // the keyword table ends with "", so the empty string is quoted
    [InlineData("a\"b\\c", "\"a\\\"b\\\\c\"")] // '"' and '\' are escaped
    [InlineData("tab\there", "\"tab\there\"")] // isspace characters are printed raw inside quotes
    public void ToString_IdentifierValue_FollowsDumperQuotingRules(string value, string expected)
    {
        Assert.Equal("identifier " + expected, new IdentifierExpression(D(value)).ToString());
    }

    [Fact]
    public void ToString_NonPrintableBytes_PrintAsHexConstant()
    {
        Assert.Equal("identifier 0x00ff41", new IdentifierExpression(new RequirementData([0x00, 0xFF, 0x41])).ToString());
    }

    [Fact]
    public void ToString_KeysAllowDotsBareButValuesDoNot()
    {
        var info = new InfoExpression(D("CFBundleShortVersionString"), new RequirementMatch(MatchOperation.GreaterEqual, D("1.0")));
        var entitlement = new EntitlementExpression(D("com.apple.security.app-sandbox"), RequirementMatch.Exists);
        var dotted = new EntitlementExpression(D("com.apple.developer.team"), RequirementMatch.EqualTo("ABC.def"));

        Assert.Equal("info[CFBundleShortVersionString] >= \"1.0\"", info.ToString());
        Assert.Equal("entitlement[\"com.apple.security.app-sandbox\"] /* exists */", entitlement.ToString());
        Assert.Equal("entitlement[com.apple.developer.team] = \"ABC.def\"", dotted.ToString());
    }

    [Theory]
    [InlineData(MatchOperation.Exists, null, "info[K] /* exists */")]
    [InlineData(MatchOperation.Absent, null, "info[K] absent ")] // reqdumper prints " absent " with a trailing space
    [InlineData(MatchOperation.Equal, "v", "info[K] = v")]
    [InlineData(MatchOperation.Contains, "v", "info[K] ~ v")]
    [InlineData(MatchOperation.BeginsWith, "v", "info[K] = v*")]
    [InlineData(MatchOperation.EndsWith, "v", "info[K] = *v")]
    [InlineData(MatchOperation.LessThan, "v", "info[K] < v")]
    [InlineData(MatchOperation.GreaterThan, "v", "info[K] > v")]
    [InlineData(MatchOperation.LessEqual, "v", "info[K] <= v")]
    [InlineData(MatchOperation.GreaterEqual, "v", "info[K] >= v")]
    [InlineData((MatchOperation)99, "v", "info[K]MATCH OPCODE 99 NOT UNDERSTOOD")]
    public void ToString_EveryValueMatchOperation_UsesDumperSpelling(MatchOperation op, string? value, string expected)
    {
        var match = new RequirementMatch(op, value is null ? null : D(value));

        Assert.Equal(expected, new InfoExpression(D("K"), match).ToString());
    }

    [Theory]
    [InlineData(MatchOperation.On, " = ")]
    [InlineData(MatchOperation.Before, " < ")]
    [InlineData(MatchOperation.After, " > ")]
    [InlineData(MatchOperation.OnOrBefore, " <= ")]
    [InlineData(MatchOperation.OnOrAfter, " >= ")]
    public void ToString_DateMatch_PrintsCFDateDescriptionCanonicallyAndTimestampForRoundTrip(MatchOperation op, string spelled)
    {
        // 2019-04-08T00:00:00Z = 576374400 s after 2001-01-01 (the Developer ID date used by Gatekeeper policies).
        var tree = new CertificateFieldExpression(
            CertificateFieldKind.Date, CertificateSlot.Leaf, Oid("1.2.840.113635.100.6.1.33"), new RequirementMatch(op, Timestamp: 576374400));

        Assert.Equal($"certificate leaf[timestamp.1.2.840.113635.100.6.1.33]{spelled}<2019-04-08 00:00:00 +0000>", tree.ToString());
        Assert.Equal(
            $"certificate leaf[timestamp.1.2.840.113635.100.6.1.33]{spelled}timestamp \"20190408000000Z\"",
            RequirementTextWriter.Write(tree, RequirementTextStyle.RoundTrip));
    }

    [Fact]
    public void ToString_EveryOtherOpcode_UsesDumperSpelling()
    {
        var hash = new RequirementData(Enumerable.Range(0, 20).Select(i => (byte)i).ToArray());
        Assert.Equal("always", new ConstantExpression(true).ToString());
        Assert.Equal("never", new ConstantExpression(false).ToString());
        Assert.Equal("anchor apple", new AppleAnchorExpression().ToString());
        Assert.Equal("anchor apple generic", new AppleGenericAnchorExpression().ToString());
        Assert.Equal("anchor apple myanchor", new NamedAnchorExpression(D("myanchor")).ToString());
        Assert.Equal("(\"com.x\")", new NamedCodeExpression(D("com.x")).ToString());
        Assert.Equal("anchor trusted", new TrustedCertificatesExpression().ToString());
        Assert.Equal("certificate 2trusted", new TrustedCertificateExpression(2).ToString()); // sic: no space in reqdumper.cpp
        Assert.Equal("certificate 2 trusted", RequirementTextWriter.Write(new TrustedCertificateExpression(2), RequirementTextStyle.RoundTrip));
        Assert.Equal("certificate root = H\"000102030405060708090a0b0c0d0e0f10111213\"", new CertificateHashExpression(CertificateSlot.Root, hash).ToString());
        Assert.Equal("certificate -2 = H\"000102030405060708090a0b0c0d0e0f10111213\"", new CertificateHashExpression(-2, hash).ToString());
        Assert.Equal("cdhash H\"000102030405060708090a0b0c0d0e0f10111213\"", new CdHashExpression(hash).ToString());
        Assert.Equal("platform = 2", new PlatformExpression(2).ToString());
        Assert.Equal("notarized", new NotarizedExpression().ToString());
        Assert.Equal("legacy", new LegacyDeveloperIdExpression().ToString());
        Assert.Equal("info[CFBundleVersion] = \"1.0\"", new LegacyInfoExpression(D("CFBundleVersion"), D("1.0")).ToString());
        Assert.Equal("! identifier foo", new NotExpression(new IdentifierExpression(D("foo"))).ToString());
        Assert.Equal(
            "certificate 1[policy.1.2.840.113635.100.5.1] /* exists */",
            new CertificateFieldExpression(CertificateFieldKind.Policy, 1, Oid("1.2.840.113635.100.5.1"), RequirementMatch.Exists).ToString());
        Assert.Equal(
            "certificate leaf[\"subject.C-OU\"] = x",
            Subject(CertificateSlot.Leaf, "subject.C-OU", "x").ToString());
        Assert.Equal(
            "certificate leaf[email] ~ \"@apple.com\"",
            new CertificateFieldExpression(CertificateFieldKind.Subject, 0, D("email"), new RequirementMatch(MatchOperation.Contains, D("@apple.com"))).ToString());
    }

    [Fact]
    public void ToString_PrecedenceNeedsParenthesesOnlyForOrInsideAndOrUnderNot()
    {
        var a = new IdentifierExpression(D("a"));
        var b = new IdentifierExpression(D("b"));
        var c = new IdentifierExpression(D("c"));

        Assert.Equal("identifier a and (identifier b or identifier c)", new AndExpression(a, new OrExpression(b, c)).ToString());
        Assert.Equal("identifier a or identifier b and identifier c", new OrExpression(a, new AndExpression(b, c)).ToString());
        Assert.Equal("! (identifier a and identifier b)", new NotExpression(new AndExpression(a, b)).ToString());
        Assert.Equal("! ! identifier a", new NotExpression(new NotExpression(a)).ToString());
    }

    [Fact]
    public void ToString_SetWithUnknownType_UsesAppleCommentForm()
    {
        var set = new RequirementSet(
        [
            new RequirementSetEntry(1, new Requirement(new AppleAnchorExpression())),
            new RequirementSetEntry(9, new Requirement(new ConstantExpression(true))),
        ]);

        Assert.Equal("host => anchor apple\n/*unknown type*/ 9 => always\n", set.ToString());
    }

    [Fact]
    public void ToString_NonMinimalOidBytes_UseQuotedHexKey()
    {
        var tree = new CertificateFieldExpression(CertificateFieldKind.Extension, 0, new RequirementData([0x80, 0x01]), RequirementMatch.Exists);

        Assert.Equal("certificate leaf[\"field.0x8001\"] /* exists */", tree.ToString());
    }

    [Fact]
    public void ToString_DottedKeyThatIsNotADotKey_BareCanonicallyQuotedForRoundTrip()
    {
        // reqdumper's dotString() accepts any alnum/dot run, but the lexer's DOTKEY cannot read "a..b" back.
        var tree = new InfoExpression(D("a..b"), RequirementMatch.Exists);

        Assert.Equal("info[a..b] /* exists */", tree.ToString());
        Assert.Equal("info[\"a..b\"] /* exists */", RequirementTextWriter.Write(tree, RequirementTextStyle.RoundTrip));
        Assert.Equal(tree, RequirementParser.ParseExpression(RequirementTextWriter.Write(tree, RequirementTextStyle.RoundTrip)));
    }
}
