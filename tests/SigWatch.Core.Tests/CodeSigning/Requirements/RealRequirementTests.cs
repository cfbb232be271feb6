using System.Text.Json;
using System.Text.RegularExpressions;
using SigWatch.Core.CodeSigning.Requirements;
using SigWatch.TestSupport;

namespace SigWatch.Core.Tests.CodeSigning.Requirements;

/// <summary>
/// Every requirement set in ../shared/fixtures/real and in the osx-arm64 runtime package: decode, print, parse and
/// encode must reproduce Apple's bytes.
/// </summary>
public sealed partial class RealRequirementTests
{
    public static TheoryData<string> FixtureSources()
    {
        var data = new TheoryData<string>();
        if (RepoPaths.HasRealFixtures)
        {
            foreach (var (source, _) in RequirementSamples.FromRealFixtures())
            {
                data.Add(source);
            }
        }
        else
        {
            data.Add("(fixtures absent)");
        }

        return data;
    }

    [RealFixturesFact]
    public void RealFixtures_ContainTheExpectedVarietyOfRequirementSets()
    {
        var sets = RequirementSamples.FromRealFixtures().Select(s => RequirementSet.Decode(s.Blob)).ToList();

        // 23 distinct sets: Developer ID (drmaker and Xcode forms), Apple Development, Apple platform, non-Apple
        // anchor hash, host/library entries (Growl, translate), ad-hoc empty sets and detached CodeRequirements.
        Assert.True(sets.Count >= 20, $"only {sets.Count} requirement sets found");
        Assert.Contains(sets, s => s.Entries.Count == 0);
        Assert.Contains(sets, s => s.Find((uint)RequirementType.Library) is not null);
        Assert.Contains(sets, s => s.Find((uint)RequirementType.Host) is not null);
    }

    [RealFixturesTheory]
    [MemberData(nameof(FixtureSources))]
    public void RealFixture_DecodeTextParseEncode_ReproducesOriginalBytes(string source)
    {
        var blob = RequirementSamples.FromRealFixtures().First(s => s.Source == source).Blob;
        AssertRoundTrips(blob);
    }

    [Fact]
    public void RuntimePackage_DecodeTextParseEncode_ReproducesOriginalBytes()
    {
        // Restored through the PackageDownload in SigWatch.Core.Tests.csproj, so it must be there.
        var samples = RequirementSamples.FromRuntimePackage();

        Assert.True(samples.Count >= 10, $"only {samples.Count} requirement sets in {RequirementSamples.RuntimeNativeDirectory}");
        foreach (var (_, blob) in samples)
        {
            AssertRoundTrips(blob);
            var designated = RequirementSet.Decode(blob).Designated;
            Assert.NotNull(designated);

            // Microsoft signs with Developer ID: the drmaker.cpp default DR for team UBF8T346G9.
            Assert.Matches(
                "^identifier \"[^\"]+\" and anchor apple generic and certificate 1\\[field.1.2.840.113635.100.6.2.6\\] /\\* exists \\*/ and certificate leaf\\[field.1.2.840.113635.100.6.1.13\\] /\\* exists \\*/ and certificate leaf\\[subject.OU\\] = UBF8T346G9$",
                designated.ToString());
        }
    }

    private static void AssertRoundTrips(byte[] blob)
    {
        var set = RequirementSet.Decode(blob);

        // Tree → bytes is exact for every entry.
        foreach (var entry in set.Entries)
        {
            Assert.True(entry.Requirement.IsSupported);
            Assert.Equal(0, entry.Requirement.TrailingByteCount);
            Assert.Equal(entry.Requirement.ToBlob(), RequirementEncoder.Encode(entry.Requirement.Expression!));
        }

        Assert.Equal(blob, RequirementEncoder.EncodeSet(set));

        if (set.Entries.Count == 0)
        {
            // The grammar needs at least one "type => requirement" entry; codesign prints nothing for an empty set.
            Assert.Equal(string.Empty, set.ToString());
            return;
        }

        // decode → text → parse → encode: exact through the round-trip text.
        Assert.Equal(blob, RequirementSet.Parse(set.ToString(RequirementTextStyle.RoundTrip)).ToBlob());

        // The canonical text loses only the nesting of same-operator chains (as codesign's own output does):
        // it re-parses to a tree whose canonical text is identical and whose program has the same length.
        var canonical = set.ToString();
        var reparsed = RequirementSet.Parse(canonical);
        Assert.Equal(canonical, reparsed.ToString());
        Assert.Equal(blob.Length, reparsed.ToBlob().Length);
    }

    [RealFixturesFact]
    public void RealFixtures_CanonicalText_MatchesDumperOutputForEachSignerKind()
    {
        var texts = RequirementSamples.FromRealFixtures()
            .GroupBy(s => s.Source)
            .ToDictionary(g => g.Key, g => RequirementSet.Decode(g.First().Blob).ToString());

        // Expected strings follow reqdumper.cpp rules (identifier values with '.' or '-' quoted; DOTKEY-safe values
        // bare; a team ID starting with a digit quoted) and match the shape of published codesign output.
        Assert.Equal(
            "designated => identifier \"libexpat.1\" and anchor apple generic and certificate 1[field.1.2.840.113635.100.6.2.6] /* exists */ and certificate leaf[field.1.2.840.113635.100.6.1.13] /* exists */ and certificate leaf[subject.OU] = EG7KH642X6\n",
            texts["r2-libexpat-vmware-universal-devid-dualhash/libexpat.1.dylib"]);
        Assert.Equal(
            "designated => anchor apple generic and identifier \"org.sparkle-project.Sparkle\" and (certificate leaf[field.1.2.840.113635.100.6.1.9] /* exists */ or certificate 1[field.1.2.840.113635.100.6.2.6] /* exists */ and certificate leaf[field.1.2.840.113635.100.6.1.13] /* exists */ and certificate leaf[subject.OU] = \"2MMGJGVTB4\")\n",
            texts["sparkle-2.6.3-framework-devid/Sparkle.framework/Versions/B/Sparkle"]);
        Assert.Equal("designated => identifier \"com.apple.cat\" and anchor apple\n", texts["r2-apple-platform-binaries/cat-macos-arm64"]);
        Assert.Equal(
            "designated => identifier badcert and certificate leaf = H\"d83f2e6137f03de14122ca5b7a178664befd083e\"\n",
            texts["santa-testdata-mixed/badcert"]);
        Assert.Equal(
            "designated => identifier \"org.fastlane.very-capable-app\" and certificate root = H\"c8d1aac67c23186501a9ddc93356d8e14ae29e14\"\n",
            texts["fastlane-ios-app-bundles/very-capable-app.app/very-capable-app"]);
        Assert.Equal(
            "designated => identifier \"yikes-universal-signed\" and anchor apple generic and certificate leaf[subject.CN] = \"Mac Developer: Tom Burgin (QDXTTPU8MW)\" and certificate 1[field.1.2.840.113635.100.6.2.1] /* exists */\n",
            texts["santa-testdata-mixed/yikes-universal_signed"]);
    }

    [RealFixturesFact]
    public void RealFixtures_DesignatedRequirements_EqualTheManifestsIndependentDecoding()
    {
        // manifest.json holds a fully parenthesised decoding by an independent tool; with its bare values quoted it
        // is valid requirement text, and since every sub-expression is bracketed it pins the exact tree shape.
        var manifest = File.ReadAllText(Path.Combine(RepoPaths.RealFixtures, "manifest.json"));
        var expected = DesignatedTexts(JsonDocument.Parse(manifest).RootElement)
            .Select(Quote)
            .Select(RequirementParser.ParseExpression)
            .ToHashSet();
        var decoded = Designated(RequirementSamples.FromRealFixtures());
        var fromPackage = Designated(RequirementSamples.FromRuntimePackage());

        Assert.True(expected.Count >= 15, $"only {expected.Count} designated requirements in the manifest");

        // Every DR found in the fixture files is confirmed, tree for tree, by the independent decoding.
        Assert.Empty(decoded.Except(expected));

        // The manifest also describes NuGet artifacts that are not stored under fixtures/real (HarfBuzzSharp, the
        // apphost pack); the runtime package supplies libSystem.Native. Nothing else may be missing.
        var missing = expected.Except(decoded).Except(fromPackage).Select(e => e.ToString()).ToList();
        Assert.All(missing, text => Assert.Matches("^identifier \"(libHarfBuzzSharp|apphost)-", text));
    }

    private static HashSet<RequirementExpression> Designated(IEnumerable<(string Source, byte[] Blob)> samples) =>
        samples.Select(s => RequirementSet.Decode(s.Blob).Designated)
            .OfType<Requirement>()
            .Select(r => r.Expression!)
            .ToHashSet();

    private static IEnumerable<string> DesignatedTexts(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (property.Name == "designated" && property.Value.ValueKind == JsonValueKind.String)
                    {
                        yield return property.Value.GetString()!;
                    }

                    foreach (var inner in DesignatedTexts(property.Value))
                    {
                        yield return inner;
                    }
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    foreach (var inner in DesignatedTexts(item))
                    {
                        yield return inner;
                    }
                }

                break;
        }
    }

    // The manifest prints identifier and '=' operands bare even when they hold '-' or start with a digit.
    private static string Quote(string text) =>
        BareOperand().Replace(text, m => m.Groups[1].Value + "\"" + m.Groups[2].Value + "\"");

    [GeneratedRegex("((?:identifier|=) )(?!H\")([^\"\\s()][^\\s()]*)")]
    private static partial Regex BareOperand();
}
