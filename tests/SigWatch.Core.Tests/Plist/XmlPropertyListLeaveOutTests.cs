using System.Text;
using CsCheck;
using SigWatch.Core.Plist;
using SigWatch.Core.Seal;

namespace SigWatch.Core.Tests.Plist;

/// <summary>
/// Leaving a root key's value out (a CodeResources' version-1 <c>files</c>) changes nothing but that value: the document
/// is taken or declined exactly as a whole read takes or declines it, and every other value reads alike.
/// </summary>
public sealed class XmlPropertyListLeaveOutTests
{
    private static readonly PlistReaderOptions s_options = PlistReaderOptions.Default;

    // Edges of what a left-out value must still check: keys equal only after their references are decoded, duplicate
    // keys, bad base64, integers, reals, dates and booleans that do not parse, empty elements, nesting.
    private static readonly string[] s_tokens =
    [
        "<key>k</key>", "<key>&#107;</key>", "<key>k&amp;</key>", "<key>k&#38;</key>", "<key/>", "<key></key>", "<data>AAE=</data>",
        "<data>!!</data>", "<data/>", "<data> A A E = </data>", "<integer>12</integer>", "<integer>12x</integer>", "<real>1e3</real>",
        "<real>x</real>", "<date>2024-01-02T03:04:05Z</date>", "<date>then</date>", "<true/>", "<true>x</true>", "<false> </false>",
        "<string/>", "<string>&bogus;</string>", "<string>&#xD800;</string>", "<dict/>", "<array/>", "<dict>", "</dict>", "<array>",
        "</array>", "<!--c-->", "<![CDATA[x]]>", "]]>", "&", "<", "\r", "<plist>",
    ];

    [Fact]
    public void GeneratedDocuments_LeftOutKeyIsTheOnlyDifference()
    {
        Gen.Select(PlistGenerators.Tree(PlistGenerators.Xml), PlistGenerators.Tree(PlistGenerators.Xml), Gen.Bool).Sample((files, other, first) =>
        {
            KeyValuePair<string, PlistValue>[] entries = first
                ? [new("files", files), new("files2", other)]
                : [new("files2", other), new("files", files)];
            var bytes = XmlPropertyListWriter.Write(new PlistDictionary(entries));

            AssertLeftOutAlike(bytes, expectTaken: true);
        }, iter: 1000);
    }

    [Fact]
    public void MutatedDocuments_AreTakenOrDeclinedExactlyAsAWholeRead()
    {
        var seed = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\">\n<dict>\n\t<key>files</key>\n\t<dict>\n"
            + "\t\t<key>a</key>\n\t\t<data>\n\t\tAAECAw==\n\t\t</data>\n\t\t<key>b &amp; c</key>\n\t\t<dict>\n\t\t\t<key>hash</key>\n"
            + "\t\t\t<data>AAE=</data>\n\t\t\t<key>optional</key>\n\t\t\t<true/>\n\t\t</dict>\n\t\t<key>n</key>\n\t\t<array><integer>-5</integer>"
            + "<real>2.5</real><date>2024-01-02T03:04:05Z</date><string> s </string><false/></array>\n\t</dict>\n"
            + "\t<key>files2</key>\n\t<dict>\n\t\t<key>a</key>\n\t\t<dict><key>hash2</key><data>AAE=</data></dict>\n\t</dict>\n</dict>\n</plist>\n";
        var files = seed.IndexOf("<key>a</key>", StringComparison.Ordinal);
        var filesEnd = seed.IndexOf("<key>files2</key>", StringComparison.Ordinal);
        // Edits inside the files dictionary, where the left-out reading runs.
        XmlEdits.SampleBothSides(
            Gen.Select(Gen.Int[1, 3], Gen.Int[0, int.MaxValue])
                .Select((edits, salt) => XmlEdits.Apply(seed, new Random(salt), s_tokens, edits, head: files, tail: seed.Length - filesEnd)),
            bytes => AssertLeftOutAlike(bytes, expectTaken: null));
    }

    [Theory]
    [InlineData("<dict><key>a</key><true/><key>a</key><false/></dict>", "a duplicate key")]
    [InlineData("<dict><key>A</key><true/><key>&#65;</key><false/></dict>", "keys equal once the reference is decoded")]
    [InlineData("<dict><key>&#x41;</key><true/><key>&#65;</key><false/></dict>", "keys equal once both references are decoded")]
    [InlineData("<dict><key/><true/><key></key><false/></dict>", "two empty keys")]
    [InlineData("<data>!!</data>", "base64 that does not decode")]
    [InlineData("<array><integer>1x</integer></array>", "an integer that does not parse")]
    [InlineData("<array><real>x</real></array>", "a real that does not parse")]
    [InlineData("<array><date>then</date></array>", "a date that does not parse")]
    [InlineData("<array><true>x</true></array>", "a boolean with text")]
    [InlineData("<array><key>k</key></array>", "a key out of place")]
    [InlineData("<dict><key>k</key></dict>", "a key without a value")]
    [InlineData("<string>&bogus;</string>", "an undefined entity")]
    public void LeftOutValue_ThatAWholeReadDeclines_IsDeclined(string value, string why)
    {
        var bytes = Encoding.UTF8.GetBytes($"<plist><dict><key>files</key>{value}<key>files2</key><dict/></dict></plist>");

        Assert.Null(XmlPropertyListFastReader.TryRead(bytes, s_options));
        Assert.True(XmlPropertyListFastReader.TryRead(bytes, s_options, "files", out var leftOut) is null, why);
        Assert.False(leftOut);
    }

    [Fact]
    public void LeftOutValue_CountsTowardTheLimitsAsABuiltValueDoes()
    {
        var nested = string.Concat(Enumerable.Repeat("<array>", 5)) + string.Concat(Enumerable.Repeat("</array>", 5));
        var bytes = Encoding.UTF8.GetBytes($"<plist><dict><key>files</key>{nested}</dict></plist>");

        foreach (var options in new[] { s_options with { MaxDepth = 5 }, s_options with { MaxDepth = 6 }, s_options with { MaxObjects = 5 }, s_options with { MaxObjects = 6 } })
        {
            var whole = XmlPropertyListFastReader.TryRead(bytes, options);
            var partial = XmlPropertyListFastReader.TryRead(bytes, options, "files", out _);
            Assert.Equal(whole is null, partial is null);
        }

        Assert.Null(XmlPropertyListFastReader.TryRead(bytes, s_options with { MaxDepth = 5 }, "files", out _));
        Assert.NotNull(XmlPropertyListFastReader.TryRead(bytes, s_options with { MaxDepth = 6 }, "files", out _));
    }

    [Fact]
    public void OnlyTheRootDictionarysKey_IsLeftOut()
    {
        var bytes = Encoding.UTF8.GetBytes("<plist><dict><key>inner</key><dict><key>files</key><string>kept</string></dict></dict></plist>");

        var value = (PlistDictionary)XmlPropertyListFastReader.TryRead(bytes, s_options, "files", out var leftOut)!;

        Assert.False(leftOut);
        Assert.Equal("kept", value.GetDictionary("inner")!.GetString("files"));
    }

    [Fact]
    public void CodeResources_WithOnlyAVersion1Seal_IsReadWhole()
    {
        var bytes = Encoding.UTF8.GetBytes("<plist><dict><key>files</key><dict><key>Resources/a</key><data>AAECAwQFBgcICQoLDA0ODxAREhM=</data>"
            + "</dict><key>rules</key><dict><key>^Resources/</key><true/></dict></dict></plist>");

        var seal = CodeResources.Parse(bytes);

        Assert.Equal(1, seal.Version);
        Assert.Equal(20, Assert.Single(seal.Files).Value.Sha1!.Length);
    }

    [Fact]
    public void CodeResources_WhoseVersion1FilesAreMalformed_IsRejectedAsAWholeReadRejectsIt()
    {
        var bytes = Encoding.UTF8.GetBytes("<plist><dict><key>files</key><dict><key>a</key><data>!!</data></dict>"
            + "<key>files2</key><dict/><key>rules2</key><dict/></dict></plist>");

        var error = Assert.Throws<SealFormatException>(() => CodeResources.Parse(bytes));

        Assert.Equal(SealFormatReason.NotAPropertyList, error.Reason);
        Assert.Contains(Assert.Throws<PlistFormatException>(() => PropertyList.Read(bytes)).Message, error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// The left-out read agrees with the whole fast read: both decline, or both take the document and differ only in the
    /// root's "files" value, which is <see cref="XmlPropertyListFastReader.LeftOut"/>. True when taken.
    /// </summary>
    private static bool AssertLeftOutAlike(byte[] bytes, bool? expectTaken)
    {
        var whole = XmlPropertyListFastReader.TryRead(bytes, s_options);
        var partial = XmlPropertyListFastReader.TryRead(bytes, s_options, "files", out var leftOut);
        if (expectTaken is { } taken)
        {
            Assert.Equal(taken, whole is not null);
        }

        Assert.True((whole is null) == (partial is null), $"whole {(whole is null ? "declined" : "taken")}, left out {(partial is null ? "declined" : "taken")}: {Encoding.UTF8.GetString(bytes)}");
        if (whole is null)
        {
            Assert.False(leftOut);
            return false;
        }

        if (whole is not PlistDictionary wholeRoot)
        {
            PlistAssert.Equal(whole, partial!);
            Assert.False(leftOut);
            return true;
        }

        var partialRoot = Assert.IsType<PlistDictionary>(partial);
        Assert.Equal(wholeRoot.Keys, partialRoot.Keys);
        Assert.Equal(wholeRoot.ContainsKey("files"), leftOut);
        foreach (var (key, value) in wholeRoot)
        {
            if (key == "files")
            {
                Assert.Same(XmlPropertyListFastReader.LeftOut, partialRoot["files"]);
            }
            else
            {
                PlistAssert.Equal(value, partialRoot[key]);
            }
        }

        return true;
    }
}
