using SigWatch.Core.CodeSigning.Requirements;
using static SigWatch.Core.Tests.CodeSigning.Requirements.RequirementSamples;

namespace SigWatch.Core.Tests.CodeSigning.Requirements;

public sealed class RequirementDecoderTests
{
    // reference §7.4 encoding example: identifier "com.foo" and anchor apple generic.
    private const string IdentAndGenericAnchor =
        "FADE0C00 00000024 00000001 00000006 00000002 00000007 636F6D2E 666F6F00 0000000F";

    [Fact]
    public void Decode_ReferenceExample_BuildsAndOfIdentifierAndGenericAnchor()
    {
        var requirement = Requirement.Decode(Hex(IdentAndGenericAnchor));

        Assert.True(requirement.IsSupported);
        Assert.Equal(
            new AndExpression(new IdentifierExpression(RequirementData.FromString("com.foo")), new AppleGenericAnchorExpression()),
            requirement.Expression);
        Assert.Equal("identifier \"com.foo\" and anchor apple generic", requirement.ToString());
    }

    [Fact]
    public void ToBlob_DecodedRequirement_ReproducesInputBytes()
    {
        var bytes = Hex(IdentAndGenericAnchor);

        Assert.Equal(bytes, Requirement.Decode(bytes).ToBlob());
        Assert.Equal(bytes, RequirementEncoder.Encode(Requirement.Decode(bytes).Expression!));
    }

    [Fact]
    public void Decode_EmptySet_HasNoEntries()
    {
        // The 12-byte empty set codesign writes for ad-hoc code (reference §2.2).
        var set = RequirementSet.Decode(Hex("FADE0C01 0000000C 00000000"));

        Assert.Empty(set.Entries);
        Assert.Equal(string.Empty, set.ToString());
    }

    [Fact]
    public void Decode_SetWithDesignated_PrintsCodesignLine()
    {
        var requirement = Hex(IdentAndGenericAnchor);
        var set = RequirementSet.Decode([.. Hex("FADE0C01 00000038 00000001 00000003 00000014"), .. requirement]);

        Assert.Equal("designated => identifier \"com.foo\" and anchor apple generic\n", set.ToString());
        Assert.NotNull(set.Designated);
        Assert.Equal(RequirementType.Designated, set.Entries[0].KnownType);
    }

    [Fact]
    public void Decode_LightweightForm_KeptRawAsUnsupported()
    {
        var bytes = Hex("FADE0C00 00000014 00000002 00000003 01020300");

        var requirement = Requirement.Decode(bytes);

        Assert.False(requirement.IsSupported);
        Assert.Equal((uint)RequirementKind.LightweightCodeRequirement, requirement.Kind);
        Assert.Equal(Hex("00000003 01020300"), requirement.Payload.ToArray());
        Assert.Equal(bytes, requirement.ToBlob());
        Assert.Contains("unsupported requirement form (kind 2", requirement.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("FADE0C00 0000", RequirementFormatError.Truncated, 0)]
    [InlineData("FADE0C02 0000000C 00000001", RequirementFormatError.BadMagic, 0)]
    [InlineData("FADE0C00 00000010 00000001", RequirementFormatError.BadLength, 4)]
    [InlineData("FADE0C00 00000008 00000001", RequirementFormatError.BadLength, 4)]
    [InlineData("FADE0C00 0000000C 00000001", RequirementFormatError.Truncated, 12)]
    [InlineData("FADE0C00 00000010 00000001 00000006", RequirementFormatError.Truncated, 16)]
    [InlineData("FADE0C00 00000014 00000001 00000002 FFFFFFFF", RequirementFormatError.Truncated, 16)]
    [InlineData("FADE0C00 00000018 00000001 00000002 00000005 41424344", RequirementFormatError.Truncated, 16)]
    [InlineData("FADE0C00 00000010 00000001 00000063", RequirementFormatError.UnknownOpcode, 12)]
    [InlineData("FADE0C00 00000024 00000001 00000004 00000000 0000000C 00000000 00000000 00000000", RequirementFormatError.BadHashLength, 20)]
    public void Decode_MalformedRequirement_ThrowsTypedReasonWithOffset(string hex, RequirementFormatError reason, int offset)
    {
        var error = Assert.Throws<MalformedRequirementException>(() => Requirement.Decode(Hex(hex)));

        Assert.Equal(reason, error.Reason);
        Assert.Equal(offset, error.Offset);
    }

    [Theory]
    [InlineData("FADE0C01 0000000C 7FFFFFFF", RequirementFormatError.CountExceedsLength, 8)]
    [InlineData("FADE0C01 00000014 00000001 00000003 00000004", RequirementFormatError.OffsetOutOfRange, 16)]
    [InlineData("FADE0C01 0000001C 00000001 00000003 00000014 FADE0C00 7FFFFFF0", RequirementFormatError.OffsetOutOfRange, 24)]
    [InlineData("FADE0C01 FFFFFFFF 00000000", RequirementFormatError.BadLength, 4)]
    public void Decode_MalformedSet_ThrowsTypedReasonWithOffset(string hex, RequirementFormatError reason, int offset)
    {
        var error = Assert.Throws<MalformedRequirementException>(() => RequirementSet.Decode(Hex(hex)));

        Assert.Equal(reason, error.Reason);
        Assert.Equal(offset, error.Offset);
    }

    [Fact]
    public void Decode_NotNestedBeyondStackLimit_FailsWithoutOverflowingTheStack()
    {
        // 100 000 nested "!" opcodes: far beyond reqinterp.h stackLimit, must fail fast with a typed reason.
        var program = Enumerable.Repeat(Hex("00000009"), 100_000).SelectMany(b => b).Concat(Hex("00000001")).ToArray();
        var blob = RequirementEncoder.Encode(new ConstantExpression(true));
        var bytes = new byte[12 + program.Length];
        blob.AsSpan(0, 12).CopyTo(bytes);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(4), (uint)bytes.Length);
        program.CopyTo(bytes, 12);

        var error = Assert.Throws<MalformedRequirementException>(() => Requirement.Decode(bytes));

        Assert.Equal(RequirementFormatError.NestingTooDeep, error.Reason);
    }

    [Fact]
    public void Decode_GenericFalseUnknownOpcode_KeepsPayloadAndRoundTrips()
    {
        // opGenericFalse | 0x77 with a 3-byte payload (reqinterp.cpp skips "size" raw bytes, no padding).
        var bytes = Hex("FADE0C00 00000017 00000001 80000077 00000003 AABBCC");

        var requirement = Requirement.Decode(bytes);

        var unknown = Assert.IsType<UnknownOperationExpression>(requirement.Expression);
        Assert.False(unknown.IsSkip);
        Assert.Equal(Hex("AABBCC"), unknown.Payload.ToArray());
        Assert.Equal(bytes, RequirementEncoder.Encode(unknown));
    }

    [Fact]
    public void Decode_GenericSkipUnknownOpcode_ReadsTheFollowingExpression()
    {
        var bytes = Hex("FADE0C00 00000018 00000001 40000077 00000000 00000001");

        var unknown = Assert.IsType<UnknownOperationExpression>(Requirement.Decode(bytes).Expression);

        Assert.True(unknown.IsSkip);
        Assert.Equal(new ConstantExpression(true), unknown.Next);
    }

    [Fact]
    public void Decode_TrailingBytesAfterProgram_AreCountedAndKept()
    {
        var bytes = Hex("FADE0C00 00000014 00000001 00000001 00000000");

        var requirement = Requirement.Decode(bytes);

        Assert.Equal(4, requirement.TrailingByteCount);
        Assert.Equal(bytes, requirement.ToBlob());
    }
}
