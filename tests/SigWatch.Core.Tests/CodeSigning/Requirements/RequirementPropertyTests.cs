using CsCheck;
using SigWatch.Core.CodeSigning.Requirements;

namespace SigWatch.Core.Tests.CodeSigning.Requirements;

/// <summary>
/// Random trees: text → parse gives the same tree, binary → decode gives the same tree. CsCheck shrinks any failure
/// to a small counterexample and prints its seed.
/// </summary>
public sealed class RequirementPropertyTests
{
    private const int Iterations = 2_000;

    // Identifiers, keys and names are "identifierString"/"stringvalue" in the grammar (a DOTKEY or a quoted string,
    // never 0xhex), so only printable ASCII (plus tab/newline, which the dumper prints raw) can be written as text.
    // Non-ASCII text is quoted only by the RoundTrip style (reqdumper prints it as hex, which these positions reject).
    private static readonly Gen<RequirementData> TextData =
        Gen.Frequency(
                (20, Gen.Char['\t', '~'].Where(c => c is '\t' or '\n' or >= ' ')),
                (1, Gen.OneOf('é', 'ß', '漢', '\u00a0')))
            .Array[0, 12]
            .Select(chars => RequirementData.FromString(new string(chars)));

    private static readonly Gen<RequirementData> KeyLike =
        Gen.OneOf(
            Gen.OneOf("CFBundleShortVersionString", "com.apple.security.app-sandbox", "a.b.1", "exists", "x y").Select(RequirementData.FromString),
            TextData);

    // Match values are "datavalue", which also takes 0xhex, so any bytes round-trip.
    private static readonly Gen<RequirementData> AnyData = Gen.Byte.Array[0, 12].Select(b => new RequirementData(b));

    private static readonly Gen<RequirementData> Sha1 = Gen.Byte.Array[20].Select(b => new RequirementData(b));

    private static readonly Gen<RequirementData> OidContent =
        Gen.Select(Gen.Int[0, 2], Gen.Int[0, 39], Gen.Long[0, long.MaxValue >> 1].Array[0, 6])
            .Select((a, b, rest) =>
            {
                var dotted = string.Join('.', new[] { a, b }.Select(x => (long)x).Concat(rest));
                return RequirementOid.TryFromDotted(dotted, out var content)
                    ? new RequirementData(content)
                    : throw new InvalidOperationException(dotted);
            });

    // Slots: leaf, root and arbitrary positions (negative ones count from the anchor).
    private static readonly Gen<int> Slot = Gen.OneOf(Gen.OneOf(0, -1, 1, 2, -2), Gen.Int);

    // Whole seconds since 2001; the wide range covers dates outside DateTime, printed as raw seconds.
    private static readonly Gen<long> Seconds = Gen.OneOf(Gen.Long[-63_000_000_000, 252_000_000_000], Gen.Long);

    private static readonly Gen<RequirementMatch> Match =
        Gen.OneOf(
            Gen.OneOf(RequirementMatch.Exists, RequirementMatch.Absent),
            Gen.Select(Gen.Enum<MatchOperation>().Where(RequirementMatch.IsValueOperation), AnyData, (op, v) => new RequirementMatch(op, v)),
            Gen.Select(Gen.Enum<MatchOperation>().Where(RequirementMatch.IsDateOperation), Seconds, (op, t) => new RequirementMatch(op, Timestamp: t)));

    private static Gen<RequirementExpression> Leaf(bool textual) =>
        Gen.OneOf(
            Gen.Bool.Select(RequirementExpression (b) => new ConstantExpression(b)),
            TextData.Select(RequirementExpression (d) => new IdentifierExpression(d)),
            Gen.OneOf<RequirementExpression>(
                new AppleAnchorExpression(), new AppleGenericAnchorExpression(), new TrustedCertificatesExpression(),
                new NotarizedExpression(), new LegacyDeveloperIdExpression()),
            TextData.Where(d => d.Length > 0).Select(RequirementExpression (d) => new NamedAnchorExpression(d)),
            TextData.Select(RequirementExpression (d) => new NamedCodeExpression(d)),
            Gen.Select(Slot, Sha1, RequirementExpression (s, h) => new CertificateHashExpression(s, h)),
            Slot.Select(RequirementExpression (s) => new TrustedCertificateExpression(s)),
            Sha1.Select(RequirementExpression (h) => new CdHashExpression(h)),
            (textual ? Gen.Int[0, int.MaxValue] : Gen.Int).Select(RequirementExpression (p) => new PlatformExpression(p)),
            Gen.Select(KeyLike, Match, RequirementExpression (k, m) => new InfoExpression(k, m)),
            Gen.Select(KeyLike, Match, RequirementExpression (k, m) => new EntitlementExpression(k, m)),
            Gen.Select(TextData, Match, RequirementExpression (k, m) =>
                new CertificateFieldExpression(CertificateFieldKind.Subject, 0, RequirementData.FromString("subject." + k.Text), m)),
            Gen.Select(Gen.OneOf(CertificateFieldKind.Extension, CertificateFieldKind.Policy, CertificateFieldKind.Date), Slot, OidContent, Match,
                RequirementExpression (kind, s, oid, m) => new CertificateFieldExpression(kind, s, oid, m)));

    // Forms with no source syntax (legacy opInfoKeyValue, generic unknown opcodes, unknown match operations, binary
    // identifiers): binary round trip only.
    private static readonly Gen<RequirementExpression> BinaryOnlyLeaf =
        Gen.OneOf(
            Gen.Select(AnyData, AnyData, RequirementExpression (k, v) => new LegacyInfoExpression(k, v)),
            AnyData.Select(RequirementExpression (d) => new IdentifierExpression(d)),
            Gen.Select(Gen.UInt[24, 0xFFFFFF], AnyData, RequirementExpression (op, d) => new UnknownOperationExpression(0x8000_0000 | op, d, null)),
            Gen.Select(Gen.UInt[15, 0xFFFF], AnyData, RequirementExpression (op, d) =>
                new InfoExpression(RequirementData.FromString("k"), new RequirementMatch((MatchOperation)op, d))));

    private static Gen<RequirementExpression> Tree(int depth, Gen<RequirementExpression> leaf)
    {
        if (depth == 0)
        {
            return leaf;
        }

        var child = Tree(depth - 1, leaf);
        return Gen.Frequency(
            (3, leaf),
            (2, Gen.Select(child, child, RequirementExpression (l, r) => new AndExpression(l, r))),
            (2, Gen.Select(child, child, RequirementExpression (l, r) => new OrExpression(l, r))),
            (1, child.Select(RequirementExpression (c) => new NotExpression(c))));
    }

    private static readonly Gen<RequirementExpression> TextualTree = Tree(5, Leaf(textual: true));

    private static readonly Gen<RequirementExpression> AnyTree =
        Tree(5, Gen.Frequency((4, Leaf(textual: false)), (1, BinaryOnlyLeaf)))
            .SelectMany(t => Gen.Bool.Select(skip => skip
                ? (RequirementExpression)new UnknownOperationExpression(0x4000_0099, RequirementData.Empty, t)
                : t));

    [Fact]
    public void RandomTree_RoundTripTextThenParse_GivesTheSameTree()
    {
        TextualTree.Sample(
            tree => Assert.Equal(tree, RequirementParser.ParseExpression(RequirementTextWriter.Write(tree, RequirementTextStyle.RoundTrip))),
            iter: Iterations,
            print: t => RequirementTextWriter.Write(t, RequirementTextStyle.RoundTrip));
    }

    [Fact]
    public void RandomTree_CanonicalText_IsAFixpointOfParseAndPrint()
    {
        // codesign's text drops same-operator nesting (and glues "trusted" to the slot), so it is compared as text.
        TextualTree.Where(t => !Any(t, IsUnreadableInCanonicalText)).Sample(
            tree =>
            {
                var canonical = tree.ToString();
                Assert.Equal(canonical, RequirementParser.ParseExpression(canonical).ToString());
            },
            iter: Iterations,
            print: t => t.ToString());
    }

    [Fact]
    public void RandomTree_EncodeThenDecode_GivesTheSameTreeAndBytes()
    {
        AnyTree.Sample(
            tree =>
            {
                var blob = RequirementEncoder.Encode(tree);
                var decoded = Requirement.Decode(blob);
                Assert.Equal(tree, decoded.Expression);
                Assert.Equal(blob, decoded.ToBlob());
            },
            iter: Iterations,
            print: t => RequirementTextWriter.Write(t, RequirementTextStyle.RoundTrip));
    }

    [Fact]
    public void RandomSet_EncodeDecodeAndText_RoundTrip()
    {
        var entries = Gen.Select(Gen.UInt[1, 12], TextualTree, (type, tree) => (type, tree)).Array[1, 4]
            .Select(list => list.DistinctBy(e => e.type).OrderBy(e => e.type)
                .Select(e => new RequirementSetEntry(e.type, new Requirement(e.tree))).ToList());
        entries.Sample(
            list =>
            {
                var set = new RequirementSet(list);
                var blob = set.ToBlob();
                Assert.Equal(blob, RequirementSet.Decode(blob).ToBlob());
                Assert.Equal(blob, RequirementSet.Parse(set.ToString(RequirementTextStyle.RoundTrip)).ToBlob());
            },
            iter: Iterations / 4);
    }

    private static bool Any(RequirementExpression tree, Func<RequirementExpression, bool> predicate) => predicate(tree) || tree switch
    {
        AndExpression a => Any(a.Left, predicate) || Any(a.Right, predicate),
        OrExpression o => Any(o.Left, predicate) || Any(o.Right, predicate),
        NotExpression n => Any(n.Operand, predicate),
        _ => false,
    };

    // Two reqdumper.cpp quirks make codesign's own text unreadable by its grammar: "certificate 2trusted" and keys
    // that are alphanumeric-with-dots but not DOTKEYs (e.g. "subject." or "a..b"), which it prints bare.
    // Non-ASCII identifiers, keys and names are printed as 0xhex, which those grammar positions do not accept.
    private static bool IsUnreadableInCanonicalText(RequirementExpression node) => node switch
    {
        TrustedCertificateExpression => true,
        IdentifierExpression i => NonAscii(i.Identifier),
        NamedAnchorExpression n => NonAscii(n.Name),
        NamedCodeExpression n => NonAscii(n.Name),
        InfoExpression i => IsBareButNotDotKey(i.Key) || NonAscii(i.Key),
        EntitlementExpression e => IsBareButNotDotKey(e.Key) || NonAscii(e.Key),
        CertificateFieldExpression { Kind: CertificateFieldKind.Subject } c => IsBareButNotDotKey(c.Key) || NonAscii(c.Key),
        _ => false,
    };

    private static bool NonAscii(RequirementData data) => data.Span.IndexOfAnyInRange((byte)0x80, (byte)0xFF) >= 0;

    private static bool IsBareButNotDotKey(RequirementData key) =>
        key.Length > 0 && !char.IsAsciiDigit((char)key.Span[0])
        && key.Span.ToArray().All(b => char.IsAsciiLetterOrDigit((char)b) || b == '.')
        && !RequirementTextWriter.IsDotKey(key.Span);
}
