using CsCheck;
using SigWatch.Core.Plist;

namespace SigWatch.Core.Tests.Plist;

public sealed class PlistRoundTripTests
{
    [Fact]
    public void RoundTrip_RandomTrees_Xml_ReadsBackEqual()
    {
        PlistGenerators.Tree(PlistGenerators.Xml).Sample(value =>
        {
            var xml = XmlPropertyListWriter.Write(value);
            var back = PropertyList.Read(xml);
            PlistAssert.Equal(value, back);
            // Equality ignores dictionary order; byte-equal re-serialisation proves the order survived too.
            Assert.Equal(xml, XmlPropertyListWriter.Write(back));
        }, iter: 2000);
    }

    [Fact]
    public void RoundTrip_RandomTrees_Binary_ReadsBackEqual()
    {
        PlistGenerators.Tree(PlistGenerators.Full).Sample(value =>
        {
            var bin = BinaryPropertyListWriter.Write(value);
            var back = PropertyList.Read(bin);
            PlistAssert.Equal(value, back);
            Assert.Equal(bin, BinaryPropertyListWriter.Write(back));
        }, iter: 2000);
    }

    [Fact]
    public void RoundTrip_RandomTrees_BinaryToXmlAndBack_Equal()
    {
        PlistGenerators.Tree(PlistGenerators.Xml).Sample(value =>
        {
            var viaXml = PropertyList.Read(XmlPropertyListWriter.Write(PropertyList.Read(BinaryPropertyListWriter.Write(value))));
            PlistAssert.Equal(value, viaXml);
        }, iter: 500);
    }

    [Theory]
    [InlineData("-9223372036854775808")]
    [InlineData("18446744073709551615")]
    [InlineData("9223372036854775808")]
    [InlineData("0")]
    public void RoundTrip_IntegerExtremes_BothFormats(string text)
    {
        var value = new PlistInteger(Int128.Parse(text, System.Globalization.CultureInfo.InvariantCulture));
        PlistAssert.Equal(value, PropertyList.Read(BinaryPropertyListWriter.Write(value)));
        PlistAssert.Equal(value, PropertyList.Read(XmlPropertyListWriter.Write(value)));
    }

    [Fact]
    public void Write_Binary_IntegersUseAppleWidths()
    {
        // Object 0 starts at offset 8, right after "bplist00".
        Assert.Equal(0x10, BinaryPropertyListWriter.Write(new PlistInteger(255))[8]);
        Assert.Equal(0x11, BinaryPropertyListWriter.Write(new PlistInteger(256))[8]);
        Assert.Equal(0x12, BinaryPropertyListWriter.Write(new PlistInteger(65536))[8]);
        Assert.Equal(0x13, BinaryPropertyListWriter.Write(new PlistInteger(-1))[8]);
        Assert.Equal(0x14, BinaryPropertyListWriter.Write(new PlistInteger(ulong.MaxValue))[8]);
    }

    [Fact]
    public void Write_Binary_SharesEqualScalars()
    {
        var value = new PlistArray(new PlistString("same"), new PlistString("same"), new PlistString("same"));
        var bytes = BinaryPropertyListWriter.Write(value);
        // Array + one string object.
        Assert.Equal(2, System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(bytes.Length - 24)));
        PlistAssert.Equal(value, PropertyList.Read(bytes));
    }

    [Fact]
    public void Dictionary_Equality_IgnoresOrder_EnumerationKeepsIt()
    {
        var a = new PlistDictionary([KeyValuePair.Create("b", (PlistValue)new PlistInteger(1)), KeyValuePair.Create("a", (PlistValue)new PlistInteger(2))]);
        var b = new PlistDictionary([KeyValuePair.Create("a", (PlistValue)new PlistInteger(2)), KeyValuePair.Create("b", (PlistValue)new PlistInteger(1))]);
        PlistAssert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.Equal(["b", "a"], a.Keys);
        Assert.Equal("<dict>\n\t<key>b</key>", System.Text.Encoding.UTF8.GetString(XmlPropertyListWriter.Write(a)).Split("<plist version=\"1.0\">\n")[1][..20]);
    }

    [Fact]
    public void Dictionary_Constructor_DuplicateKey_Throws()
    {
        Assert.Throws<ArgumentException>(() => new PlistDictionary([KeyValuePair.Create("k", (PlistValue)PlistBoolean.True), KeyValuePair.Create("k", (PlistValue)PlistBoolean.False)]));
    }

    [Fact]
    public void Dictionary_TypedHelpers_ReturnNullWhenAbsentOrOtherType()
    {
        var d = new PlistDictionary([KeyValuePair.Create("s", (PlistValue)new PlistString("x")), KeyValuePair.Create("i", (PlistValue)new PlistInteger(7))]);
        Assert.Equal("x", d.GetString("s"));
        Assert.Null(d.GetString("i"));
        Assert.Null(d.GetString("missing"));
        Assert.Equal(7, d.GetInt64("i"));
        Assert.Null(d.GetBoolean("s"));
    }

    [Fact]
    public void Integer_OutsideRange_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new PlistInteger((Int128)ulong.MaxValue + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PlistInteger((Int128)long.MinValue - 1));
    }
}
