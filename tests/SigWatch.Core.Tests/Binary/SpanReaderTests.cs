using SigWatch.Core.Binary;

namespace SigWatch.Core.Tests.Binary;

public class SpanReaderTests
{
    [Fact]
    public void ReadUInt32_BigAndLittleEndian_HonourByteOrder()
    {
        byte[] bytes = [0x01, 0x02, 0x03, 0x04];
        var big = new SpanReader(bytes, bigEndian: true, "test");
        var little = new SpanReader(bytes, bigEndian: false, "test");

        Assert.Equal(0x01020304u, big.ReadUInt32());
        Assert.Equal(0x04030201u, little.ReadUInt32());
    }

    [Fact]
    public void ReadUInt64_PastEnd_ThrowsTruncatedWithFileOffset()
    {
        var e = Assert.Throws<MalformedDataException>(() =>
        {
            var r = new SpanReader(new byte[12], bigEndian: true, "thing", baseOffset: 0x100);
            r.ReadUInt64();
            r.ReadUInt64();
        });

        Assert.Equal(MalformedDataReason.Truncated, e.Reason);
        Assert.Equal(0x108, e.Offset);
        Assert.Equal("thing", e.Structure);
    }

    [Fact]
    public void ReadSlice_NegativeLength_ThrowsTruncatedNotArgumentException()
    {
        var e = Assert.Throws<MalformedDataException>(() =>
        {
            var r = new SpanReader(new byte[8], bigEndian: true, "x");
            r.ReadSlice(-1);
        });

        Assert.Equal(MalformedDataReason.Truncated, e.Reason);
    }

    [Fact]
    public void Seek_BeyondLength_ThrowsTruncated()
    {
        Assert.Throws<MalformedDataException>(() =>
        {
            var r = new SpanReader(new byte[8], bigEndian: true, "x");
            r.Seek(9);
        });
    }

    [Fact]
    public void ReadFixedString_NulPadded_StopsAtNul()
    {
        var bytes = new byte[16];
        "__TEXT"u8.CopyTo(bytes);
        var r = new SpanReader(bytes, bigEndian: false, "x");

        Assert.Equal("__TEXT", r.ReadFixedString(16));
        Assert.Equal(0, r.Remaining);
    }
}
