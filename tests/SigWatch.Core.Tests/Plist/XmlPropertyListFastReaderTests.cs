using System.Text;
using CsCheck;
using SigWatch.Core.Plist;
using SigWatch.TestSupport;

namespace SigWatch.Core.Tests.Plist;

/// <summary>
/// The fast XML path either returns exactly what the XmlReader path returns for the same bytes or declines (null): it
/// never accepts what XmlReader rejects, never rejects on its own, never reads a value differently.
/// </summary>
public sealed class XmlPropertyListFastReaderTests
{
    private static readonly PlistReaderOptions s_options = PlistReaderOptions.Default;

    // Pieces that sit on the edges of the subset the fast path takes: references, comments, CDATA, CR, C1 controls,
    // non-characters, attributes, declarations, end tags that do not match.
    private static readonly string[] s_tokens =
    [
        "<", ">", "</", "/>", "&", "&amp;", "&lt;", "&#65;", "&#x41;", "&#X41;", "&#x1F600;", "&#0;", "&#xD800;", "&#x85;", "&#13;",
        "&bogus;", "&#;", "<!--c-->", "<!-- a--b -->", "<!--->", "<![CDATA[x]]>", "]]>", "\r", "\r\n", "\u0085", "\uFFFE", "\t", " ",
        "\n", "<key>k</key>", "<string>s</string>", "<true/>", "<false></false>", "<true> x </true>", "<integer>0x1F</integer>",
        "<integer> 12 </integer>", "<real>1e3</real>", "<real>nan</real>", "<date>2024-01-02T03:04:05Z</date>", "<data>AAE=</data>",
        "<data> A A E = </data>", "<dict/>", "<array/>", "<dict >", "</dict >", "<dict a=\"b\">", "<plist version=\"1.0\" x='y'>",
        "<?pi x?>", "<?xml version=\"1.0\"?>", "<!DOCTYPE plist>", "\u00A0", "é", "e\u0301", "\uFEFF", "<Dict>", "<string/>",
    ];

    [Fact]
    public void GeneratedPlists_AsWritten_AreTakenByTheFastPathAndReadAlike()
    {
        PlistGenerators.Tree(PlistGenerators.Xml).Sample(value =>
        {
            var bytes = XmlPropertyListWriter.Write(value);
            var fast = XmlPropertyListFastReader.TryRead(bytes, s_options);
            Assert.NotNull(fast);
            PlistAssert.Equal(XmlPropertyListReader.ReadWithXmlReader(bytes, s_options), fast);
        }, iter: 2000);
    }

    [Fact]
    public void MutatedPlists_FastPathAgreesWithXmlReaderOrDeclines()
    {
        var seeds = new[]
        {
            XmlPropertyListWriter.Write(BinaryPropertyListReaderTests.Sample),
            Encoding.UTF8.GetBytes("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n<plist version=\"1.0\">\n<dict>\n\t<key>files2</key>\n\t<dict>\n\t\t<key>a &amp; b</key>\n\t\t<dict>\n\t\t\t<key>hash2</key>\n\t\t\t<data>\n\t\t\tAAECAw==\n\t\t\t</data>\n\t\t</dict>\n\t</dict>\n\t<key>n</key>\n\t<array><integer>-5</integer><real>2.5</real><true/><string> s </string></array>\n</dict>\n</plist>\n"),
        };
        XmlEdits.SampleBothSides(
            Gen.Select(Gen.Int[0, seeds.Length - 1], Gen.Int[1, 3], Gen.Int[0, int.MaxValue])
                .Select((seed, edits, salt) => XmlEdits.Apply(Encoding.UTF8.GetString(seeds[seed]), new Random(salt), s_tokens, edits)),
            AssertAgreeOrDecline);
    }

    [Theory]
    [InlineData("<plist version=\"1.0\"><string>a\r\nb</string></plist>", "CR: XML turns CR LF into LF")]
    [InlineData("<plist><string><![CDATA[<x>]]></string></plist>", "CDATA")]
    [InlineData("<plist><string>a<!--c-->b</string></plist>", "a comment inside text")]
    [InlineData("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><plist><string>a</string></plist>", "another encoding")]
    [InlineData("<!DOCTYPE plist [<!ELEMENT plist ANY>]><plist><string>a</string></plist>", "an internal DTD subset")]
    [InlineData("<plist><dict id=\"1\"></dict></plist>", "an attribute on a value element")]
    [InlineData("<plist><string>a</string><?pi x?></plist>", "a processing instruction")]
    [InlineData("<plist><string>\u0085</string></plist>", "a C1 control")]
    public void Document_OutsideTheSubset_IsDeclinedAndStillReadByXmlReader(string xml, string why)
    {
        var bytes = Encoding.UTF8.GetBytes(xml);

        Assert.True(XmlPropertyListFastReader.TryRead(bytes, s_options) is null, why);
        PlistAssert.Equal(XmlPropertyListReader.ReadWithXmlReader(bytes, s_options), PropertyList.Read(bytes));
    }

    [Theory]
    [InlineData("<plist><dict><key>a</key><true/><key>a</key><false/></dict></plist>", PlistErrorReason.DuplicateKey)]
    [InlineData("<plist><dict><key>a</key></dict></plist>", PlistErrorReason.KeyWithoutValue)]
    [InlineData("<plist><integer>12x</integer></plist>", PlistErrorReason.InvalidInteger)]
    [InlineData("<plist><data>!!</data></plist>", PlistErrorReason.InvalidBase64)]
    [InlineData("<plist><string>a</dict></plist>", PlistErrorReason.MalformedXml)]
    public void MalformedDocument_IsReportedByXmlReaderWithItsPosition(string xml, PlistErrorReason reason)
    {
        var bytes = Encoding.UTF8.GetBytes(xml);

        Assert.Null(XmlPropertyListFastReader.TryRead(bytes, s_options));
        var error = Assert.Throws<PlistFormatException>(() => PropertyList.Read(bytes));
        Assert.Equal(reason, error.Reason);
        Assert.True(error.Line > 0, "the XmlReader path says where");
    }

    [Fact]
    public void Limits_AreTheXmlReaderPathsToEnforce()
    {
        var deep = Encoding.UTF8.GetBytes("<plist>" + string.Concat(Enumerable.Repeat("<array>", 5)) + string.Concat(Enumerable.Repeat("</array>", 5)) + "</plist>");
        var shallow = s_options with { MaxDepth = 4 };
        var few = s_options with { MaxObjects = 3 };

        Assert.Null(XmlPropertyListFastReader.TryRead(deep, shallow));
        Assert.Null(XmlPropertyListFastReader.TryRead(deep, few));
        Assert.Equal(PlistErrorReason.DepthLimitExceeded, Assert.Throws<PlistFormatException>(() => XmlPropertyListReader.Read(deep, shallow)).Reason);
        Assert.Equal(PlistErrorReason.ObjectLimitExceeded, Assert.Throws<PlistFormatException>(() => XmlPropertyListReader.Read(deep, few)).Reason);
    }

    [RealFixturesFact]
    public void RealPropertyLists_AreTakenByTheFastPathAndReadAlike()
    {
        var checkedFiles = 0;
        foreach (var path in Directory.EnumerateFiles(RepoPaths.RealFixtures, "*", SearchOption.AllDirectories))
        {
            var name = Path.GetFileName(path);
            var bytes = File.ReadAllBytes(path);
            if (!(name is "Info.plist" or "CodeResources" || name.EndsWith(".entitlements", StringComparison.Ordinal)) || !bytes.AsSpan().StartsWith("<?xml"u8))
            {
                continue;
            }

            var fast = XmlPropertyListFastReader.TryRead(bytes, s_options);
            Assert.True(fast is not null, $"{path}: declined");
            PlistAssert.Equal(XmlPropertyListReader.ReadWithXmlReader(bytes, s_options), fast);
            checkedFiles++;
        }

        Assert.True(checkedFiles > 10, $"only {checkedFiles} XML property lists found");
    }

    /// <summary>True when the fast path took the document (and agreed), false when it declined.</summary>
    private static bool AssertAgreeOrDecline(byte[] bytes)
    {
        var fast = XmlPropertyListFastReader.TryRead(bytes, s_options);
        PlistValue? slow;
        try
        {
            slow = XmlPropertyListReader.ReadWithXmlReader(bytes, s_options);
        }
        catch (PlistFormatException e)
        {
            Assert.True(fast is null, $"the fast path accepted what XmlReader rejects ({e.Message}): {Encoding.UTF8.GetString(bytes)}");
            return false;
        }

        if (fast is null)
        {
            return false;
        }

        PlistAssert.Equal(slow, fast);
        return true;
    }
}
