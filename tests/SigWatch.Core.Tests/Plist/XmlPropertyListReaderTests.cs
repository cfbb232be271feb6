using System.Diagnostics;
using System.Text;
using SigWatch.Core.Plist;

namespace SigWatch.Core.Tests.Plist;

public sealed class XmlPropertyListReaderTests
{
    private const string Head =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" +
        "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n" +
        "<plist version=\"1.0\">\n";

    private static string Doc(string body) => Head + body + "\n</plist>\n";

    private static PlistValue Read(string xml) => PropertyList.Read(Encoding.UTF8.GetBytes(xml));

    private static PlistFormatException Rejects(PlistErrorReason reason, string xml, PlistReaderOptions? options = null)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var watch = Stopwatch.StartNew();
        var ex = PlistAssert.RejectsXml(reason, xml, options);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 256L * 1024 * 1024, "allocated more than 256 MiB");
        return ex;
    }

    [Fact]
    public void Read_AppleDoctype_AcceptedAndIgnored()
    {
        PlistAssert.Equal(new PlistString("x"), Read(Doc("<string>x</string>")));
    }

    [Fact]
    public void Read_Utf8Bom_Accepted()
    {
        var bytes = (byte[])[0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(Doc("<true/>"))];
        Assert.Equal(PropertyListFormat.Xml, PropertyList.DetectFormat(bytes));
        PlistAssert.Equal(PlistBoolean.True, PropertyList.Read(bytes));
    }

    [Fact]
    public void Read_EntitiesAndCdata_Decode()
    {
        // CodeResources keys contain &amp; and numeric references.
        PlistAssert.Equal(new PlistString("a&b<c>A\u00e9 z"), Read(Doc("<string>a&amp;b&lt;c&gt;&#x41;&#233;<![CDATA[ z]]></string>")));
    }

    [Fact]
    public void Read_EmptyForms_AllAccepted()
    {
        var value = Read(Doc("<array><string/><string></string><dict/><array/><true/><false/><data></data><data/>\n<string> \t</string></array>"));
        PlistAssert.Equal(
            new PlistArray(new PlistString(""), new PlistString(""), PlistDictionary.Empty, PlistArray.Empty, PlistBoolean.True, PlistBoolean.False, new PlistData(Array.Empty<byte>()), new PlistData(Array.Empty<byte>()), new PlistString(" \t")),
            value);
    }

    [Fact]
    public void Read_BareRootWithoutPlistElement_Accepted()
    {
        PlistAssert.Equal(new PlistInteger(5), Read("<integer>5</integer>"));
    }

    [Theory]
    [InlineData("0", "0")]
    [InlineData(" 42 ", "42")]
    [InlineData("+7", "7")]
    [InlineData("-9223372036854775808", "-9223372036854775808")]
    [InlineData("18446744073709551615", "18446744073709551615")]
    [InlineData("0x10", "16")]
    [InlineData("-0x10", "-16")]
    [InlineData("0xFFFFFFFFFFFFFFFF", "18446744073709551615")]
    [InlineData("007", "7")]
    public void Read_Integer_Accepted(string text, string expected)
    {
        PlistAssert.Equal(new PlistInteger(Int128.Parse(expected, System.Globalization.CultureInfo.InvariantCulture)), Read(Doc($"<integer>{text}</integer>")));
    }

    [Theory]
    [InlineData("18446744073709551616")]
    [InlineData("-9223372036854775809")]
    [InlineData("340282366920938463463374607431768211456")]
    [InlineData("0x10000000000000000")]
    [InlineData("99999999999999999999999999999999999999999999999999999999999999999999999")]
    public void Read_IntegerBeyond64Bits_IntegerOutOfRange(string text)
    {
        Rejects(PlistErrorReason.IntegerOutOfRange, Doc($"<integer>{text}</integer>"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("12a")]
    [InlineData("1.5")]
    [InlineData("--1")]
    [InlineData("0x")]
    [InlineData("1 2")]
    public void Read_IntegerNotANumber_InvalidInteger(string text)
    {
        Rejects(PlistErrorReason.InvalidInteger, Doc($"<integer>{text}</integer>"));
    }

    [Theory]
    [InlineData("1000", 1000.0)]
    [InlineData("0.5", 0.5)]
    [InlineData("-1e3", -1000.0)]
    [InlineData("+infinity", double.PositiveInfinity)]
    [InlineData("-infinity", double.NegativeInfinity)]
    [InlineData("inf", double.PositiveInfinity)]
    [InlineData("-INF", double.NegativeInfinity)]
    [InlineData("nan", double.NaN)]
    [InlineData("NaN", double.NaN)]
    public void Read_Real_Accepted(string text, double expected)
    {
        PlistAssert.Equal(new PlistReal(expected), Read(Doc($"<real>{text}</real>")));
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("1,5")]
    public void Read_RealNotANumber_InvalidReal(string text)
    {
        Rejects(PlistErrorReason.InvalidReal, Doc($"<real>{text}</real>"));
    }

    [Fact]
    public void Read_Date_IsUtc()
    {
        PlistAssert.Equal(new PlistDate(new DateTimeOffset(2001, 1, 1, 0, 0, 0, TimeSpan.Zero)), Read(Doc("<date>2001-01-01T00:00:00Z</date>")));
    }

    [Theory]
    [InlineData("2001-13-01T00:00:00Z")]
    [InlineData("2001-02-30T00:00:00Z")]
    [InlineData("2001-01-01T24:00:00Z")]
    [InlineData("2001-01-01 00:00:00")]
    [InlineData("2001-01-01T00:00:00+01:00")]
    [InlineData("yesterday")]
    [InlineData("")]
    public void Read_BadDate_InvalidDate(string text)
    {
        Rejects(PlistErrorReason.InvalidDate, Doc($"<date>{text}</date>"));
    }

    [Fact]
    public void Read_Base64WithNewlinesAndTabs_Decodes()
    {
        PlistAssert.Equal(new PlistData(new byte[] { 0, 1, 2, 3, 4, 5 }), Read(Doc("<data>\n\t\tAAEC\n\t\tAwQF\n\t</data>")));
    }

    [Theory]
    [InlineData("AAE")]
    [InlineData("A@==")]
    [InlineData("AAEC=")]
    [InlineData("====")]
    public void Read_BadBase64_InvalidBase64(string text)
    {
        Rejects(PlistErrorReason.InvalidBase64, Doc($"<data>{text}</data>"));
    }

    [Fact]
    public void Read_DuplicateKey_DuplicateKeyWithLineAndColumn()
    {
        var ex = Rejects(PlistErrorReason.DuplicateKey, Doc("<dict>\n\t<key>a</key>\n\t<true/>\n\t<key>a</key>\n\t<false/>\n</dict>"));
        Assert.Equal(7, ex.Line); // 3 head lines, then <dict>, key, value, the second key.
        Assert.Equal(3, ex.Column);
    }

    [Theory]
    [InlineData("<dict><key>a</key></dict>")]
    [InlineData("<dict><key>a</key><key>b</key><true/></dict>")]
    [InlineData("<dict><string>x</string></dict>")]
    public void Read_KeyWithoutValue_KeyWithoutValue(string body)
    {
        Rejects(PlistErrorReason.KeyWithoutValue, Doc(body));
    }

    [Theory]
    [InlineData("<foo/>", PlistErrorReason.UnexpectedElement)]
    [InlineData("<key>a</key>", PlistErrorReason.UnexpectedElement)]
    [InlineData("<string>a<b/></string>", PlistErrorReason.UnexpectedElement)]
    [InlineData("<array>text</array>", PlistErrorReason.UnexpectedContent)]
    [InlineData("<true>yes</true>", PlistErrorReason.UnexpectedContent)]
    [InlineData("<true/><false/>", PlistErrorReason.UnexpectedContent)]
    [InlineData("", PlistErrorReason.MissingValue)]
    [InlineData("<array>", PlistErrorReason.MalformedXml)]
    [InlineData("<string>&nbsp;</string>", PlistErrorReason.MalformedXml)]
    public void Read_BadStructure_TypedReason(string body, PlistErrorReason reason)
    {
        Rejects(reason, Doc(body));
    }

    [Fact]
    public void Read_MalformedXml_CarriesLineAndColumn()
    {
        var ex = Rejects(PlistErrorReason.MalformedXml, Doc("<dict>\n<key>a</key>\n<string>x</strin>\n</dict>"));
        Assert.Equal(6, ex.Line);
        Assert.True(ex.Column > 0);
        Assert.Contains("line 6", ex.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, byte[]> EncodingDetectionBreakers()
    {
        // "<" then zeros is sniffed as UCS-4 without a mark; the exact bytes AFL found (1,221, mostly zeros).
        var ucs4 = new byte[1221];
        foreach (var (at, value) in new[] { (0, 0x3C), (33, 0xDD), (657, 0x08), (1211, 0x3F), (1212, 0x78), (1213, 0x6D), (1214, 0x6C), (1215, 0xFF), (1217, 0x04), (1219, 0x3C), (1220, 0x64) })
        {
            ucs4[at] = (byte)value;
        }

        return new()
        {
            { "a UTF-32 LE byte-order mark, then bytes no UTF-32 text has", Convert.FromHexString("FFFE0000F3F3F3F3F3F3F3F3F3F3F3F3F3F3F3F3F3F3F300") },
            { "UCS-4 sniffed without a mark, then a code point past U+10FFFF", ucs4 },
        };
    }

    [Theory]
    [MemberData(nameof(EncodingDetectionBreakers))]
    public void Read_BytesThatBreakTheReadersEncodingDetection_AreMalformedXml_NotACrash(string what, byte[] bytes)
    {
        // Found by AFL: XmlReader.Create decodes the first bytes, and threw before the parser's handler was in place.
        Assert.False(XmlPropertyListReader.TryRead(bytes, out _, out var error), what);
        Assert.Equal(PlistErrorReason.MalformedXml, error.Reason);
    }

    [Fact]
    public void Read_100kDeepArrays_DepthLimitExceeded()
    {
        const int depth = 100_000;
        var xml = Head + string.Concat(Enumerable.Repeat("<array>", depth)) + string.Concat(Enumerable.Repeat("</array>", depth)) + "</plist>";
        Rejects(PlistErrorReason.DepthLimitExceeded, xml);
    }

    [Fact]
    public void Read_DepthAtLimit_Accepted()
    {
        var options = new PlistReaderOptions { MaxDepth = 10 };
        var ok = string.Concat(Enumerable.Repeat("<array>", 10)) + string.Concat(Enumerable.Repeat("</array>", 10));
        Assert.IsType<PlistArray>(PropertyList.Read(Encoding.UTF8.GetBytes(Doc(ok)), options));
        Rejects(PlistErrorReason.DepthLimitExceeded, Doc("<array>" + ok + "</array>"), options);
    }

    [Fact]
    public void Read_BillionLaughs_RejectedFast()
    {
        var sb = new StringBuilder("<?xml version=\"1.0\"?>\n<!DOCTYPE plist [\n<!ENTITY lol \"lol\">\n");
        sb.Append("<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n");
        for (var i = 2; i <= 9; i++)
        {
            sb.Append($"<!ENTITY lol{i} \"{string.Concat(Enumerable.Repeat($"&lol{i - 1};", 10))}\">\n");
        }

        sb.Append("]>\n<plist version=\"1.0\"><string>&lol9;</string></plist>");
        Rejects(PlistErrorReason.MalformedXml, sb.ToString());
    }

    [Fact]
    public void Read_ExternalEntity_NotResolved()
    {
        var xml = "<?xml version=\"1.0\"?>\n<!DOCTYPE plist [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n<plist version=\"1.0\"><string>&xxe;</string></plist>";
        var ex = Rejects(PlistErrorReason.MalformedXml, xml);
        Assert.DoesNotContain("root:", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ExternalDtd_NeverFetched()
    {
        // An unreachable DTD URL: if the reader tried to load it, this would fail or hang.
        var xml = "<?xml version=\"1.0\"?>\n<!DOCTYPE plist SYSTEM \"http://127.0.0.1:9/never.dtd\">\n<plist version=\"1.0\"><string>ok</string></plist>";
        var watch = Stopwatch.StartNew();
        PlistAssert.Equal(new PlistString("ok"), Read(xml));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2));
    }

    [Fact]
    public void Read_ParameterEntityInInternalSubset_Ignored()
    {
        var xml = "<?xml version=\"1.0\"?>\n<!DOCTYPE plist [<!ENTITY % ext SYSTEM \"file:///etc/passwd\"> %ext;]>\n<plist version=\"1.0\"><true/></plist>";
        PlistAssert.Equal(PlistBoolean.True, Read(xml));
    }

    [Fact]
    public void Read_DocumentOverLimit_DocumentTooLarge()
    {
        var bytes = Encoding.UTF8.GetBytes(Doc("<string>" + new string('a', 1000) + "</string>"));
        var ex = Assert.Throws<PlistFormatException>(() => PropertyList.Read(bytes, new PlistReaderOptions { MaxDocumentBytes = 500 }));
        Assert.Equal(PlistErrorReason.DocumentTooLarge, ex.Reason);
    }

    [Fact]
    public void Read_TooManyValues_ObjectLimitExceeded()
    {
        Rejects(PlistErrorReason.ObjectLimitExceeded, Doc("<array>" + string.Concat(Enumerable.Repeat("<true/>", 100)) + "</array>"), new PlistReaderOptions { MaxObjects = 50 });
    }

    [Fact]
    public void Read_Utf16Document_Accepted()
    {
        var bytes = Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes(Doc("<string>日本</string>").Replace("UTF-8", "UTF-16", StringComparison.Ordinal))).ToArray();
        PlistAssert.Equal(new PlistString("日本"), PropertyList.Read(bytes));
    }
}

public sealed class PlistDictionarySizeTests
{
    /// <summary>
    /// Dictionaries switch from scanning to a hash index past 8 entries — or, while keys come in ascending order, to
    /// comparing each with the last — and build the index on the first lookup when the reader made none: every side of
    /// those edges must agree.
    /// </summary>
    [Theory]
    [InlineData(1, false)]
    [InlineData(8, false)]
    [InlineData(9, false)]
    [InlineData(10, false)]
    [InlineData(40, false)]
    [InlineData(8, true)]
    [InlineData(9, true)]
    [InlineData(40, true)]
    [InlineData(1000, true)]
    public void Read_DictionaryOfSize_LookupsAndDuplicatesWork(int count, bool ascending)
    {
        // "k0".."k39" are ascending up to k9 ("k10" sorts before "k2"); "k000".."k999" all the way.
        string Key(int i) => ascending ? $"k{i:D3}" : $"k{i}";
        var body = new StringBuilder("<dict>");
        for (var i = 0; i < count; i++)
        {
            body.Append($"<key>{Key(i)}</key><integer>{i}</integer>");
        }

        var xml = "<plist version=\"1.0\">" + body + "</dict></plist>";
        var dict = (PlistDictionary)PropertyList.Read(Encoding.UTF8.GetBytes(xml));
        for (var i = 0; i < count; i++)
        {
            Assert.Equal(i, dict.GetInt64(Key(i)));
        }

        Assert.False(dict.ContainsKey("missing"));
        var copy = (PlistDictionary)PropertyList.Read(BinaryPropertyListWriter.Write(dict));
        Assert.Equal(count - 1, copy.GetInt64(Key(count - 1)));

        // A repeat of the first, middle or last key is caught at every size, at the end or after a key out of order.
        foreach (var dup in new[] { 0, count / 2, count - 1 })
        {
            var withDup = "<plist version=\"1.0\">" + body + $"<key>{Key(dup)}</key><true/></dict></plist>";
            PlistAssert.RejectsXml(PlistErrorReason.DuplicateKey, withDup);
            var afterDisorder = "<plist version=\"1.0\">" + body + $"<key>a</key><true/><key>{Key(dup)}</key><true/></dict></plist>";
            PlistAssert.RejectsXml(PlistErrorReason.DuplicateKey, afterDisorder);
        }
    }
}
