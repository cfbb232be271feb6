using System.Diagnostics;
using System.Text;
using SigWatch.Core.Plist;

namespace SigWatch.Core.Tests.Plist;

public sealed class BinaryPropertyListReaderTests
{
    /// <summary>A realistic bplist: nested containers, every scalar kind, shared objects, UTF-16 text, extended counts.</summary>
    internal static readonly PlistValue Sample = new PlistDictionary(
    [
        KeyValuePair.Create("kMDItemWhereFroms", (PlistValue)new PlistArray(new PlistString("https://example.com/download/app.dmg"), new PlistString("https://example.com/"))),
        KeyValuePair.Create("CFBundleIdentifier", (PlistValue)new PlistString("com.example.app")),
        KeyValuePair.Create("name", (PlistValue)new PlistString("Ünïcödé 日本 \U0001F600")),
        KeyValuePair.Create("ints", (PlistValue)new PlistArray(new PlistInteger(1), new PlistInteger(-1), new PlistInteger(70000), new PlistInteger(ulong.MaxValue))),
        KeyValuePair.Create("real", (PlistValue)new PlistReal(3.25)),
        KeyValuePair.Create("date", (PlistValue)new PlistDate(new DateTimeOffset(2024, 2, 29, 12, 0, 0, TimeSpan.Zero))),
        KeyValuePair.Create("hash", (PlistValue)new PlistData(Enumerable.Range(0, 40).Select(i => (byte)i).ToArray())),
        KeyValuePair.Create("flags", (PlistValue)new PlistArray(PlistBoolean.True, PlistBoolean.False, PlistBoolean.True)),
        KeyValuePair.Create("uid", (PlistValue)new PlistUid(300)),
        KeyValuePair.Create("empty", (PlistValue)PlistDictionary.Empty),
    ]);

    private static T Bounded<T>(Func<T> action)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var watch = Stopwatch.StartNew();
        var result = action();
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64L * 1024 * 1024, "allocated more than 64 MiB");
        return result;
    }

    private static PlistFormatException Rejects(PlistErrorReason reason, byte[] bytes, PlistReaderOptions? options = null) =>
        Bounded(() =>
        {
            var ex = PlistAssert.Rejects(reason, bytes, options);
            Assert.NotNull(ex.Offset);
            return ex;
        });

    [Fact]
    public void Read_Sample_RoundTrips()
    {
        PlistAssert.Equal(Sample, BinaryPropertyListReader.Read(BinaryPropertyListWriter.Write(Sample)));
    }

    [Fact]
    public void Read_TruncatedBinary_EveryLength_ThrowsTypedError()
    {
        var full = BinaryPropertyListWriter.Write(Sample);
        Bounded(() =>
        {
            for (var length = 0; length < full.Length; length++)
            {
                var ex = Assert.Throws<PlistFormatException>(() => BinaryPropertyListReader.Read(full.AsSpan(0, length)));
                Assert.NotNull(ex.Offset);
                Assert.False(PropertyList.TryRead(full.AsSpan(0, length), out _, out _));
            }

            return 0;
        });
    }

    [Fact]
    public void Read_EveryByteCorrupted_OnlyTypedErrors()
    {
        // Each position gets several values; the reader may accept (e.g. a changed character) but never crash.
        var full = BinaryPropertyListWriter.Write(Sample);
        byte[] replacements = [0x00, 0x01, 0x0F, 0x7F, 0x80, 0xAF, 0xDF, 0xFF];
        Bounded(() =>
        {
            for (var i = 0; i < full.Length; i++)
            {
                foreach (var b in replacements)
                {
                    var copy = (byte[])full.Clone();
                    copy[i] = b;
                    try
                    {
                        BinaryPropertyListReader.Read(copy);
                    }
                    catch (PlistFormatException)
                    {
                    }
                }
            }

            return 0;
        });
    }

    [Fact]
    public void Read_OffsetTableEntryPastObjects_ObjectOffsetOutOfBounds()
    {
        var bytes = new BplistBuilder { OffsetOverride = i => i == 1 ? 200UL : (ulong)(8 + (2 * i)) }
            .Add(0xA1, 0x01).Add(0x09).Build();
        Rejects(PlistErrorReason.ObjectOffsetOutOfBounds, bytes);
    }

    [Fact]
    public void Read_OffsetTableEntryInHeader_ObjectOffsetOutOfBounds()
    {
        var bytes = new BplistBuilder { OffsetOverride = _ => 3 }.Add(0x09).Build();
        Rejects(PlistErrorReason.ObjectOffsetOutOfBounds, bytes);
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(4UL)]
    [InlineData(1000UL)]
    [InlineData(ulong.MaxValue)]
    public void Read_OffsetTableOutsideFile_OffsetTableOutOfBounds(ulong tableOffset)
    {
        var bytes = new BplistBuilder { OffsetTableOffsetOverride = tableOffset }.Add(0x09).Build();
        Rejects(PlistErrorReason.OffsetTableOutOfBounds, bytes);
    }

    [Fact]
    public void Read_ObjectCountLargerThanTable_OffsetTableOutOfBounds()
    {
        // Claims 2^20 objects while the table holds one entry: rejected before the 1 Mi-entry arrays are made.
        var bytes = new BplistBuilder { NumObjectsOverride = 1 << 20 }.Add(0x09).Build();
        Rejects(PlistErrorReason.OffsetTableOutOfBounds, bytes);
    }

    [Fact]
    public void Read_ObjectCountBeyondLimit_ObjectLimitExceeded()
    {
        var bytes = new BplistBuilder { NumObjectsOverride = ulong.MaxValue }.Add(0x09).Build();
        Rejects(PlistErrorReason.ObjectLimitExceeded, bytes);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(9, 1)]
    [InlineData(1, 0)]
    [InlineData(1, 16)]
    public void Read_TrailerSizesOutOfRange_InvalidTrailer(int offsetSize, int refSize)
    {
        var bytes = new BplistBuilder().Add(0x09).Build();
        bytes[^26] = (byte)offsetSize;
        bytes[^25] = (byte)refSize;
        Rejects(PlistErrorReason.InvalidTrailer, bytes);
    }

    [Fact]
    public void Read_TopObjectBeyondCount_ObjectReferenceOutOfBounds()
    {
        Rejects(PlistErrorReason.ObjectReferenceOutOfBounds, new BplistBuilder { TopObject = 1 }.Add(0x09).Build());
    }

    [Fact]
    public void Read_ArrayRefBeyondCount_ObjectReferenceOutOfBounds()
    {
        Rejects(PlistErrorReason.ObjectReferenceOutOfBounds, new BplistBuilder().Add(0xA1, 0x05).Build());
    }

    [Fact]
    public void Read_SelfReferencingArray_ReferenceCycle()
    {
        Rejects(PlistErrorReason.ReferenceCycle, new BplistBuilder().Add(0xA1, 0x00).Build());
    }

    [Fact]
    public void Read_TwoArraysReferencingEachOther_ReferenceCycle()
    {
        Rejects(PlistErrorReason.ReferenceCycle, new BplistBuilder().Add(0xA1, 0x01).Add(0xA1, 0x00).Build());
    }

    [Fact]
    public void Read_DictionaryValueIsItself_ReferenceCycle()
    {
        Rejects(PlistErrorReason.ReferenceCycle, new BplistBuilder().Add(0xD1, 0x01, 0x00).Add(0x51, (byte)'k').Build());
    }

    [Fact]
    public void Read_SharedObject_IsNotACycle()
    {
        // [x, x] where x = [true]: the same object reached twice, not through itself.
        var value = BinaryPropertyListReader.Read(new BplistBuilder().Add(0xA2, 0x01, 0x01).Add(0xA1, 0x02).Add(0x09).Build());
        PlistAssert.Equal(new PlistArray(new PlistArray(PlistBoolean.True), new PlistArray(PlistBoolean.True)), value);
    }

    [Fact]
    public void Read_SharedObjectDiamondChain_DecodesEachObjectOnce()
    {
        // Object i is [i+1, i+1]: 2^60 paths through 60 objects. Memoisation keeps this linear.
        var builder = new BplistBuilder();
        for (var i = 0; i < 60; i++)
        {
            builder.Add(0xA2, (byte)(i + 1), (byte)(i + 1));
        }

        builder.Add(0x09);
        Bounded(() => BinaryPropertyListReader.Read(builder.Build()));
    }

    [Fact]
    public void Read_100kDeepNesting_DepthLimitExceeded()
    {
        const int depth = 100_000;
        var builder = new BplistBuilder { RefSize = 4, OffsetSize = 4 };
        for (var i = 0; i < depth; i++)
        {
            builder.Add([0xA1, .. BplistBuilder.Sized((ulong)(i + 1), 4)]);
        }

        builder.Add(0x08);
        Rejects(PlistErrorReason.DepthLimitExceeded, builder.Build());
    }

    [Fact]
    public void Read_HugeExtendedCount_InvalidLengthWithoutAllocating()
    {
        // Array claiming long.MaxValue elements via the 0xF + 8-byte integer extended count.
        Rejects(PlistErrorReason.InvalidLength, new BplistBuilder().Add(0xAF, 0x13, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF).Build());
        Rejects(PlistErrorReason.InvalidLength, new BplistBuilder().Add(0x4F, 0x12, 0xFF, 0xFF, 0xFF, 0xF0).Build());
        Rejects(PlistErrorReason.InvalidLength, new BplistBuilder().Add(0x6F, 0x13, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF).Build());
    }

    [Fact]
    public void Read_ExtendedCountNotAnInteger_InvalidLength()
    {
        Rejects(PlistErrorReason.InvalidLength, new BplistBuilder().Add(0x5F, 0x09, 0x41).Build());
    }

    [Fact]
    public void Read_SixteenByteIntegerBeyond64Bits_IntegerOutOfRange()
    {
        // 2^64: high quadword 1.
        Rejects(PlistErrorReason.IntegerOutOfRange, new BplistBuilder().Add([0x14, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]).Build());
        // -2^63 - 1: sign-extended high quadword but low quadword below 2^63.
        Rejects(PlistErrorReason.IntegerOutOfRange, new BplistBuilder().Add([0x14, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]).Build());
    }

    [Fact]
    public void Read_SixteenByteIntegers_InRange_Decode()
    {
        var max = BinaryPropertyListReader.Read(new BplistBuilder().Add([0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]).Build());
        PlistAssert.Equal(new PlistInteger(ulong.MaxValue), max);
        var min = BinaryPropertyListReader.Read(new BplistBuilder().Add([0x14, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0]).Build());
        PlistAssert.Equal(new PlistInteger(long.MinValue), min);
    }

    [Fact]
    public void Read_IntegerWidths_UnsignedBelow8BytesSignedAt8()
    {
        PlistAssert.Equal(new PlistInteger(0xFFFF), BinaryPropertyListReader.Read(new BplistBuilder().Add(0x11, 0xFF, 0xFF).Build()));
        PlistAssert.Equal(new PlistInteger(0xFFFFFFFF), BinaryPropertyListReader.Read(new BplistBuilder().Add(0x12, 0xFF, 0xFF, 0xFF, 0xFF).Build()));
        PlistAssert.Equal(new PlistInteger(-1), BinaryPropertyListReader.Read(new BplistBuilder().Add(0x13, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF).Build()));
        Rejects(PlistErrorReason.UnknownObjectMarker, new BplistBuilder().Add(0x15, 0).Build());
    }

    [Fact]
    public void Read_SetAndFloat_ReadAsArrayAndDouble()
    {
        var value = BinaryPropertyListReader.Read(new BplistBuilder().Add(0xC2, 0x01, 0x02).Add(0x22, 0x3F, 0xC0, 0x00, 0x00).Add(0x10, 0x07).Build());
        PlistAssert.Equal(new PlistArray(new PlistReal(1.5), new PlistInteger(7)), value);
    }

    [Fact]
    public void Read_DictionaryKeyNotString_InvalidKey()
    {
        Rejects(PlistErrorReason.InvalidKey, new BplistBuilder().Add(0xD1, 0x01, 0x01).Add(0x09).Build());
    }

    [Fact]
    public void Read_DuplicateDictionaryKey_DuplicateKey()
    {
        // Two distinct string objects with the same text, so sharing cannot hide the duplicate.
        Rejects(PlistErrorReason.DuplicateKey, new BplistBuilder().Add(0xD2, 0x01, 0x02, 0x03, 0x03).Add(0x51, (byte)'k').Add(0x51, (byte)'k').Add(0x09).Build());
    }

    [Theory]
    [InlineData(new byte[] { 0x00 }, PlistErrorReason.UnsupportedObject)]
    [InlineData(new byte[] { 0x0F }, PlistErrorReason.UnsupportedObject)]
    [InlineData(new byte[] { 0x0C }, PlistErrorReason.UnknownObjectMarker)]
    [InlineData(new byte[] { 0x71, 0x41 }, PlistErrorReason.UnknownObjectMarker)]
    [InlineData(new byte[] { 0x90 }, PlistErrorReason.UnknownObjectMarker)]
    [InlineData(new byte[] { 0xB0 }, PlistErrorReason.UnknownObjectMarker)]
    [InlineData(new byte[] { 0xE0 }, PlistErrorReason.UnknownObjectMarker)]
    [InlineData(new byte[] { 0x21, 0x00, 0x00 }, PlistErrorReason.InvalidReal)]
    [InlineData(new byte[] { 0x32, 0, 0, 0, 0 }, PlistErrorReason.UnknownObjectMarker)]
    [InlineData(new byte[] { 0x33, 0x7F, 0xF8, 0, 0, 0, 0, 0, 0 }, PlistErrorReason.InvalidDate)]
    [InlineData(new byte[] { 0x33, 0x7F, 0xEF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF }, PlistErrorReason.InvalidDate)]
    [InlineData(new byte[] { 0x51, 0xC3 }, PlistErrorReason.InvalidString)]
    [InlineData(new byte[] { 0x61, 0xD8, 0x00 }, PlistErrorReason.InvalidString)]
    [InlineData(new byte[] { 0x89, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, PlistErrorReason.UnknownObjectMarker)]
    [InlineData(new byte[] { 0x53, 0x41 }, PlistErrorReason.InvalidLength)]
    [InlineData(new byte[] { 0x13, 0x41 }, PlistErrorReason.Truncated)]
    public void Read_BadObject_TypedReason(byte[] encoded, PlistErrorReason reason)
    {
        Rejects(reason, new BplistBuilder().Add(encoded).Build());
    }

    [Fact]
    public void Read_WhereFromsValue_AsMadeByWriter_Decodes()
    {
        // kMDItemWhereFroms xattr values are binary plists holding an array of URL strings.
        var value = new PlistArray(new PlistString("https://example.com/a.zip"), new PlistString(""));
        var bytes = BinaryPropertyListWriter.Write(value);
        Assert.Equal(PropertyListFormat.Binary, PropertyList.DetectFormat(bytes));
        PlistAssert.Equal(value, PropertyList.Read(bytes));
    }

    [Theory]
    [InlineData("bplist15")]
    [InlineData("bplist16")]
    [InlineData("{ a = b; }")]
    [InlineData("( a, b )")]
    public void Read_OtherFormats_UnsupportedFormat(string start)
    {
        PlistAssert.Rejects(PlistErrorReason.UnsupportedFormat, Encoding.ASCII.GetBytes(start + new string('\0', 40)));
    }

    [Theory]
    [InlineData(new byte[] { })]
    [InlineData(new byte[] { 0x7F, 0x45, 0x4C, 0x46 })]
    [InlineData(new byte[] { 0xCA, 0xFE, 0xBA, 0xBE, 0, 0, 0, 2 })]
    public void Read_NotAPropertyList_UnknownFormat(byte[] bytes)
    {
        PlistAssert.Rejects(PlistErrorReason.UnknownFormat, bytes);
    }

    [Fact]
    public void Read_DocumentOverLimit_DocumentTooLarge()
    {
        var bytes = BinaryPropertyListWriter.Write(Sample);
        Rejects(PlistErrorReason.DocumentTooLarge, bytes, new PlistReaderOptions { MaxDocumentBytes = bytes.Length - 1 });
    }

    [Fact]
    public void Read_Error_MessageSaysWhatWhereWhy()
    {
        var ex = Rejects(PlistErrorReason.ReferenceCycle, new BplistBuilder().Add(0xA1, 0x00).Build());
        Assert.Equal(8, ex.Offset);
        Assert.Contains("ReferenceCycle", ex.Message, StringComparison.Ordinal);
        Assert.Contains("offset 8", ex.Message, StringComparison.Ordinal);
    }
}
