using System.Text;
using SigWatch.Core.Plist;

namespace SigWatch.Core.Tests.Plist;

public sealed class XmlPropertyListWriterTests
{
    private const string Head =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" +
        "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n" +
        "<plist version=\"1.0\">\n";

    private static string Write(PlistValue value) => Encoding.UTF8.GetString(XmlPropertyListWriter.Write(value));

    [Fact]
    public void Write_Dictionary_AppleLayout()
    {
        var value = new PlistDictionary(
        [
            KeyValuePair.Create("z<&>", (PlistValue)new PlistString("a&b")),
            KeyValuePair.Create("a", (PlistValue)new PlistArray(PlistBoolean.True, new PlistInteger(-3), new PlistReal(1000), PlistArray.Empty, PlistDictionary.Empty, new PlistString(""))),
            KeyValuePair.Create("d", (PlistValue)new PlistDate(new DateTimeOffset(2001, 1, 1, 1, 0, 0, TimeSpan.FromHours(1)))),
            KeyValuePair.Create("h", (PlistValue)new PlistData(new byte[] { 1, 2, 3 })),
        ]);
        Assert.Equal(
            Head +
            "<dict>\n" +
            "\t<key>z&lt;&amp;&gt;</key>\n\t<string>a&amp;b</string>\n" +
            "\t<key>a</key>\n\t<array>\n\t\t<true/>\n\t\t<integer>-3</integer>\n\t\t<real>1000</real>\n\t\t<array/>\n\t\t<dict/>\n\t\t<string></string>\n\t</array>\n" +
            "\t<key>d</key>\n\t<date>2001-01-01T00:00:00Z</date>\n" +
            "\t<key>h</key>\n\t<data>\n\tAQID\n\t</data>\n" +
            "</dict>\n</plist>\n",
            Write(value));
    }

    [Theory]
    [InlineData(0, 76)]
    [InlineData(1, 68)]
    [InlineData(2, 60)]
    [InlineData(8, 12)]
    [InlineData(10, 12)]
    public void Write_LongData_WrapsLikeCoreFoundation(int depth, int lineChars)
    {
        // CFPropertyList.c: line length 76 minus 8 per tab of indentation, indentation capped at 8 tabs.
        PlistValue value = new PlistData(Enumerable.Range(0, 200).Select(i => (byte)i).ToArray());
        for (var i = 0; i < depth; i++)
        {
            value = new PlistArray(value);
        }

        var lines = Write(value).Split('\n');
        var open = Array.FindIndex(lines, l => l.EndsWith("<data>", StringComparison.Ordinal));
        var tabs = Math.Min(depth, 8);
        Assert.Equal(new string('\t', depth) + "<data>", lines[open]);
        Assert.Equal(new string('\t', tabs), lines[open + 1][..tabs]);
        Assert.Equal(lineChars, lines[open + 1].Length - tabs);
        Assert.Equal(new string('\t', depth) + "</data>", lines.First(l => l.EndsWith("</data>", StringComparison.Ordinal)));
        PlistAssert.Equal(value, PropertyList.Read(Encoding.UTF8.GetBytes(string.Join('\n', lines))));
    }

    [Theory]
    [InlineData(double.NaN, "nan")]
    [InlineData(double.PositiveInfinity, "+infinity")]
    [InlineData(double.NegativeInfinity, "-infinity")]
    [InlineData(0.1, "0.1")]
    [InlineData(1e300, "1e+300")]
    public void Write_Real_Spellings(double value, string expected)
    {
        Assert.Contains($"<real>{expected}</real>", Write(new PlistReal(value)), StringComparison.Ordinal);
    }

    [Fact]
    public void Write_Uid_AsCoreFoundationDictionary()
    {
        Assert.Equal(Head + "<dict>\n\t<key>CF$UID</key>\n\t<integer>7</integer>\n</dict>\n</plist>\n", Write(new PlistUid(7)));
    }

    [Fact]
    public void Write_CarriageReturn_EscapedSoItSurvives()
    {
        var value = new PlistString("a\r\nb");
        Assert.Contains("a&#13;\nb", Write(value), StringComparison.Ordinal);
        PlistAssert.Equal(value, PropertyList.Read(XmlPropertyListWriter.Write(value)));
    }

    [Theory]
    [InlineData(0x0001)]
    [InlineData(0xFFFE)]
    [InlineData(0xD800)]
    [InlineData(0xDC00)]
    public void Write_CharacterXmlCannotCarry_Throws(int code)
    {
        // Passed as a number: xunit's serialisation would replace a lone surrogate in a string argument.
        Assert.Throws<ArgumentException>(() => XmlPropertyListWriter.Write(new PlistString("x" + (char)code + "y")));
    }
}
