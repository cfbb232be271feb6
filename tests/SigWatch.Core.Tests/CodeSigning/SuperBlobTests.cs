using System.Buffers.Binary;
using SigWatch.Core.Binary;
using SigWatch.Core.CodeSigning;
using SigWatch.TestSupport.Builders;

namespace SigWatch.Core.Tests.CodeSigning;

public class SuperBlobTests
{
    private static SuperBlobBuilder TwoBlobs() => new SuperBlobBuilder()
        .Add(CodeSigningSlot.Requirements, SuperBlobBuilder.EmptyRequirements())
        .Add(CodeSigningSlot.Signature, SuperBlobBuilder.Wrapper([]));

    [Fact]
    public void Parse_WellFormed_ReturnsEntriesWithTypedBlobs()
    {
        var blob = TwoBlobs().Build();

        var superBlob = SuperBlob.Parse(blob, 0x4000, CodeSigningMagic.EmbeddedSignature);

        Assert.Equal(2, superBlob.Entries.Count);
        Assert.IsType<RequirementsBlob>(superBlob.Find(CodeSigningSlot.Requirements));
        var wrapper = Assert.IsType<BlobWrapper>(superBlob.Find(CodeSigningSlot.Signature));
        Assert.Equal(0, wrapper.Payload.Length);
        Assert.Equal(0x4000 + 12 + 16, superBlob.Entries[0].Blob.FileOffset);
    }

    [Fact]
    public void Parse_CountExceedsLength_FailsBeforeAllocating()
    {
        var blob = TwoBlobs().WithCount(0x1000_0000).Build();

        var e = Assert.Throws<MalformedDataException>(() => SuperBlob.Parse(blob, 0));

        Assert.Equal(MalformedDataReason.CountExceedsRemainingBytes, e.Reason);
        Assert.Equal(8, e.Offset);
    }

    [Fact]
    public void Parse_OffsetInsideIndex_FailsWithOffsetOutOfRange()
    {
        var blob = TwoBlobs().WithIndexOffset(CodeSigningSlot.Requirements, 12).Build();

        var e = Assert.Throws<MalformedDataException>(() => SuperBlob.Parse(blob, 0));

        Assert.Equal(MalformedDataReason.OffsetOutOfRange, e.Reason);
    }

    [Fact]
    public void Parse_OffsetPastLength_FailsWithOffsetOutOfRange()
    {
        var blob = TwoBlobs().WithIndexOffset(CodeSigningSlot.Signature, 0xFFFF_FFF0).Build();

        var e = Assert.Throws<MalformedDataException>(() => SuperBlob.Parse(blob, 0));

        Assert.Equal(MalformedDataReason.OffsetOutOfRange, e.Reason);
    }

    [Fact]
    public void Parse_ChildLengthRunsIntoNextBlob_FailsWithBlobLengthExceedsContainer()
    {
        var blob = TwoBlobs().Build();
        BinaryPrimitives.WriteUInt32BigEndian(blob.AsSpan(28 + 4), 100);

        var e = Assert.Throws<MalformedDataException>(() => SuperBlob.Parse(blob, 0));

        Assert.Equal(MalformedDataReason.BlobLengthExceedsContainer, e.Reason);
    }

    [Fact]
    public void Parse_ChildsCloserThanAHeader_FailsWithOverlap()
    {
        var blob = TwoBlobs().WithIndexOffset(CodeSigningSlot.Signature, 28 + 4).Build();

        var e = Assert.Throws<MalformedDataException>(() => SuperBlob.Parse(blob, 0));

        Assert.Equal(MalformedDataReason.Overlap, e.Reason);
    }

    [Fact]
    public void Parse_LengthLargerThanData_FailsWithBlobLengthExceedsContainer()
    {
        var blob = TwoBlobs().Build();

        var e = Assert.Throws<MalformedDataException>(() => SuperBlob.Parse(blob.AsMemory(0, blob.Length - 1), 0));

        Assert.Equal(MalformedDataReason.BlobLengthExceedsContainer, e.Reason);
    }

    [Fact]
    public void Parse_UnknownMagic_KeptAsUnknownBlob()
    {
        var blob = TwoBlobs().Add(0x20000, SuperBlobBuilder.Blob(0xFADE9999, [1, 2, 3])).Build();

        var superBlob = SuperBlob.Parse(blob, 0);

        var unknown = Assert.IsType<UnknownBlob>(superBlob.Find(0x20000));
        Assert.Equal(0xFADE9999u, unknown.Magic);
        Assert.Equal(new byte[] { 1, 2, 3 }, unknown.Payload.ToArray());
        Assert.DoesNotContain("01", unknown.ToString());
    }

    [Fact]
    public void Parse_WrongMagic_FailsWithBadMagic()
    {
        var blob = TwoBlobs().WithMagic(CodeSigningMagic.Requirements).Build();

        var e = Assert.Throws<MalformedDataException>(() => SuperBlob.Parse(blob, 0, CodeSigningMagic.EmbeddedSignature));

        Assert.Equal(MalformedDataReason.BadMagic, e.Reason);
    }
}
