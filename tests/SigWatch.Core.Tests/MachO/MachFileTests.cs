using System.Buffers.Binary;
using SigWatch.Core.Binary;
using SigWatch.Core.MachO;
using SigWatch.TestSupport.Builders;

namespace SigWatch.Core.Tests.MachO;

public class MachFileTests
{
    [Fact]
    public void Read_Thin64LittleEndian_ReadsHeaderSegmentsAndSignature()
    {
        var bytes = new MachOBuilder().Build();

        var file = MachFile.Read(bytes);

        var image = Assert.Single(file.Slices).Image!;
        Assert.False(file.IsUniversal);
        Assert.True(image.Is64Bit);
        Assert.True(image.IsLittleEndian);
        Assert.Equal("arm64", image.Architecture);
        Assert.Equal(MachConstants.MH_EXECUTE, image.FileType);
        Assert.Equal(MachPlatform.MacOS, image.Platform);
        Assert.Equal(0x000E0000u, image.MinimumOSVersion);
        Assert.NotNull(image.TextSegment);
        Assert.Equal(0UL, image.TextSegment!.FileOffset);
        Assert.NotNull(image.LinkEditSegment);
        Assert.Equal((ulong)bytes.Length, image.LinkEditSegment!.FileOffset + image.LinkEditSegment.FileSize);
        Assert.True(image.TryGetCodeSignature(out var signature));
        Assert.Equal(image.CodeSignature!.Value.DataSize, (uint)signature.Length);
    }

    [Fact]
    public void Read_Thin32BigEndian_ReadsSwappedHeader()
    {
        var bytes = new MachOBuilder { Is64Bit = false, BigEndian = true, CpuType = CpuTypes.CPU_TYPE_POWERPC }.Build();

        var image = MachFile.Read(bytes).Slices[0].Image!;

        Assert.False(image.Is64Bit);
        Assert.False(image.IsLittleEndian);
        Assert.Equal("ppc", image.Architecture);
        Assert.Equal(2, image.Segments.Count);
        Assert.True(image.TryGetCodeSignature(out _));
    }

    [Fact]
    public void TryGetCodeSignature_Unsigned_ReturnsFalseWithoutThrowing()
    {
        var image = MachFile.Read(new MachOBuilder().Unsigned().Build()).Slices[0].Image!;

        Assert.Null(image.CodeSignature);
        Assert.False(image.TryGetCodeSignature(out _));
    }

    [Fact]
    public void TryGetCodeSignature_CommandPointsPastEnd_ThrowsOffsetOutOfRange()
    {
        var bytes = new MachOBuilder().WithCodeSignatureCommand(0xFFFF_FF00, 0x1000).Build();
        var image = MachFile.Read(bytes).Slices[0].Image!;

        var e = Assert.Throws<MalformedDataException>(() => image.TryGetCodeSignature(out _));

        Assert.Equal(MalformedDataReason.OffsetOutOfRange, e.Reason);
        Assert.Equal("LC_CODE_SIGNATURE", e.Structure);
    }

    [Fact]
    public void TryGetCodeSignature_EmptyDataAtEndOfFile_ThrowsLengthTooSmall()
    {
        var probe = new MachOBuilder().Build();
        var bytes = new MachOBuilder().WithCodeSignatureCommand((uint)probe.Length, 0).Build();
        var image = MachFile.Read(bytes).Slices[0].Image!;

        var e = Assert.Throws<MalformedDataException>(() => image.TryGetCodeSignature(out _));

        Assert.Equal(MalformedDataReason.LengthTooSmall, e.Reason);
    }

    [Fact]
    public void Read_SizeofcmdsExceedsFile_FailsWithLoadCommandOutOfRange()
    {
        var bytes = new MachOBuilder().Build();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(20), 0x7FFF_FFFF);

        var e = Assert.Throws<MalformedDataException>(() => MachFile.Read(bytes));

        Assert.Equal(MalformedDataReason.LoadCommandOutOfRange, e.Reason);
    }

    [Fact]
    public void Read_NcmdsCannotFitSizeofcmds_FailsBeforeLooping()
    {
        var bytes = new MachOBuilder().Build();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(16), uint.MaxValue);

        var e = Assert.Throws<MalformedDataException>(() => MachFile.Read(bytes));

        Assert.Equal(MalformedDataReason.CountExceedsRemainingBytes, e.Reason);
    }

    [Fact]
    public void Read_CmdsizeZero_FailsInsteadOfLooping()
    {
        var bytes = new MachOBuilder().Build();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(MachConstants.MachHeader64Size + 4), 0);

        var e = Assert.Throws<MalformedDataException>(() => MachFile.Read(bytes));

        Assert.Equal(MalformedDataReason.LoadCommandOutOfRange, e.Reason);
        Assert.Equal(MachConstants.MachHeader64Size, e.Offset);
    }

    [Fact]
    public void Read_SegmentNsectsTooLarge_FailsWithCountExceedsRemainingBytes()
    {
        var bytes = new MachOBuilder().Build();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(MachConstants.MachHeader64Size + 64), 1000);

        var e = Assert.Throws<MalformedDataException>(() => MachFile.Read(bytes));

        Assert.Equal(MalformedDataReason.CountExceedsRemainingBytes, e.Reason);
    }

    [Fact]
    public void Read_FatWithTwoSlices_ReadsEverySliceAtItsOffset()
    {
        var arm = new MachOBuilder().Build();
        var x64 = new MachOBuilder { CpuType = CpuTypes.CPU_TYPE_X86_64, CpuSubType = 3, Seed = 2 }.Build();
        var fat = new FatBuilder().Add(x64, CpuTypes.CPU_TYPE_X86_64, 3).Add(arm, CpuTypes.CPU_TYPE_ARM64).Build();

        var file = MachFile.Read(fat);

        Assert.True(file.IsUniversal);
        Assert.Equal(["x86_64", "arm64"], file.Slices.Select(s => s.Architecture));
        Assert.All(file.Slices, s => Assert.Null(s.Error));
        Assert.Equal(4096UL, file.Slices[0].Offset);
        Assert.Equal((long)file.Slices[1].Offset, file.Slices[1].Image!.FileOffset);
    }

    [Fact]
    public void Read_Fat64_ReadsSlices()
    {
        var arm = new MachOBuilder().Build();
        var fat = new FatBuilder { Fat64 = true }.Add(arm, CpuTypes.CPU_TYPE_ARM64).Build();

        var file = MachFile.Read(fat);

        Assert.True(file.IsFat64);
        Assert.NotNull(Assert.Single(file.Slices).Image);
    }

    [Fact]
    public void Read_FatArchCountAbove100_FailsWithoutAllocating()
    {
        var fat = new FatBuilder().WithCount(0xFFFF_FFF0).Build();

        var e = Assert.Throws<MalformedDataException>(() => MachFile.Read(fat));

        Assert.Equal(MalformedDataReason.CountExceedsLimit, e.Reason);
    }

    [Fact]
    public void Read_FatArchCountExceedsFile_FailsWithCountExceedsRemainingBytes()
    {
        var fat = new FatBuilder().WithCount(50).Build();

        var e = Assert.Throws<MalformedDataException>(() => MachFile.Read(fat));

        Assert.Equal(MalformedDataReason.CountExceedsRemainingBytes, e.Reason);
    }

    [Fact]
    public void Read_Fat64SliceOffsetPlusSizeWraps_FailsWithOffsetOutOfRange()
    {
        var fat = new FatBuilder { Fat64 = true }.WithArch(0xFFFF_FFFF_FFFF_F000, 0x2000).Build();

        var e = Assert.Throws<MalformedDataException>(() => MachFile.Read(fat));

        Assert.Equal(MalformedDataReason.OffsetOutOfRange, e.Reason);
        Assert.Equal(8, e.Offset);
    }

    [Fact]
    public void Read_FatSlicesOverlap_FailsWithOverlap()
    {
        var arm = new MachOBuilder().Build();
        var fat = new FatBuilder().Add(arm, CpuTypes.CPU_TYPE_ARM64).WithArch(4096, 16, CpuTypes.CPU_TYPE_X86_64).Build();

        var e = Assert.Throws<MalformedDataException>(() => MachFile.Read(fat));

        Assert.Equal(MalformedDataReason.Overlap, e.Reason);
    }

    [Fact]
    public void Read_FatWithOneBrokenSlice_KeepsTheOtherSlice()
    {
        var good = new MachOBuilder().Build();
        var broken = new MachOBuilder { CpuType = CpuTypes.CPU_TYPE_X86_64, Seed = 3 }.Build();
        BinaryPrimitives.WriteUInt32LittleEndian(broken.AsSpan(20), 0x7FFF_FFFF);
        var fat = new FatBuilder().Add(broken, CpuTypes.CPU_TYPE_X86_64).Add(good, CpuTypes.CPU_TYPE_ARM64).Build();

        var file = MachFile.Read(fat);

        Assert.Equal(MalformedDataReason.LoadCommandOutOfRange, file.Slices[0].Error!.Reason);
        Assert.Equal(4096 + 20, file.Slices[0].Error!.Offset);
        Assert.NotNull(file.Slices[1].Image);
    }

    [Fact]
    public void TryRead_NotMachO_ReturnsFalseWithoutError()
    {
        var ok = MachFile.TryRead("#!/bin/sh\necho hi\n"u8.ToArray(), out var file, out var error);

        Assert.False(ok);
        Assert.Null(file);
        Assert.Null(error);
    }

    [Fact]
    public void TryRead_TruncatedHeader_ReturnsFalseWithError()
    {
        var bytes = new MachOBuilder().Build().AsSpan(0, 20).ToArray();

        var ok = MachFile.TryRead(bytes, out _, out var error);

        Assert.False(ok);
        Assert.Equal(MalformedDataReason.Truncated, error!.Reason);
    }

    [Fact]
    public void TryGetInfoPlist_EmbeddedSection_ReturnsExactBytes()
    {
        var plist = "<plist><dict/></plist>"u8.ToArray();
        var image = MachFile.Read(new MachOBuilder().WithInfoPlist(plist).Build()).Slices[0].Image!;

        Assert.True(image.TryGetInfoPlist(out var bytes));
        Assert.Equal(plist, bytes.ToArray());
    }

    [Theory]
    [InlineData(CpuTypes.CPU_TYPE_ARM64, 2, "arm64e")]
    [InlineData(CpuTypes.CPU_TYPE_ARM64, unchecked((int)0x80000002), "arm64e")]
    [InlineData(CpuTypes.CPU_TYPE_X86_64, 3, "x86_64")]
    [InlineData(CpuTypes.CPU_TYPE_X86, 3, "i386")]
    [InlineData(CpuTypes.CPU_TYPE_POWERPC, 0, "ppc")]
    [InlineData(CpuTypes.CPU_TYPE_ARM, 9, "armv7")]
    public void CpuName_KnownTypes_UseLipoNames(int cpu, int subtype, string expected) =>
        Assert.Equal(expected, CpuTypes.Name(cpu, subtype));
}
