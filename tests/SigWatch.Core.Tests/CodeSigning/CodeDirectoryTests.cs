using System.Security.Cryptography;
using SigWatch.Core.Binary;
using SigWatch.Core.CodeSigning;
using SigWatch.TestSupport.Builders;

namespace SigWatch.Core.Tests.CodeSigning;

public class CodeDirectoryTests
{
    private static readonly byte[] s_code = Enumerable.Range(0, 10_000).Select(i => (byte)i).ToArray();

    [Theory]
    [InlineData(0x20001u)]
    [InlineData(0x20100u)]
    [InlineData(0x20200u)]
    [InlineData(0x20300u)]
    [InlineData(0x20400u)]
    [InlineData(0x20500u)]
    [InlineData(0x20600u)]
    public void Parse_EachVersion_ReadsOnlyTheFieldsItHas(uint version)
    {
        var builder = new CodeDirectoryBuilder
        {
            Version = version,
            TeamId = version >= 0x20200 ? "ABCDE12345" : null,
            ExecSegmentLimit = 0x4000,
            RuntimeVersion = 0x000E0000,
            Flags = CodeDirectoryFlags.Runtime,
        };

        var cd = CodeDirectory.Parse(builder.Build(s_code));

        Assert.Empty(cd.Issues);
        Assert.True(cd.CanCheckHashes);
        Assert.Equal(version, cd.Version);
        Assert.Equal("com.example.test", cd.Identifier);
        Assert.Equal(version >= 0x20200 ? "ABCDE12345" : null, cd.TeamId);
        Assert.Equal(version >= 0x20400 ? 0x4000UL : 0UL, cd.ExecSegmentLimit);
        Assert.Equal(version >= 0x20500 ? 0x000E0000u : 0u, cd.RuntimeVersion);
        Assert.Equal(3u, cd.CodeSlotCount);
        Assert.Equal((ulong)s_code.Length, cd.CodeLimit);
        Assert.Equal(4096, cd.PageSize);
    }

    [Fact]
    public void GetSlotHash_CodeSlot_IsPageDigest()
    {
        var cd = CodeDirectory.Parse(new CodeDirectoryBuilder().Build(s_code));

        Assert.Equal(SHA256.HashData(s_code.AsSpan(4096, 4096)), cd.GetSlotHash(1).ToArray());
        Assert.Equal(SHA256.HashData(s_code.AsSpan(8192)), cd.GetSlotHash(2).ToArray());
    }

    [Fact]
    public void CdHash_Sha256_IsFirst20BytesOfBlobDigest()
    {
        var blob = new CodeDirectoryBuilder().Build(s_code);
        var cd = CodeDirectory.Parse(blob);

        var full = SHA256.HashData(blob);
        Assert.Equal(full, cd.FullCdHash);
        Assert.Equal(full.AsSpan(0, 20).ToArray(), cd.CdHash.ToArray());
    }

    [Fact]
    public void HasSpecialSlot_ZeroHash_IsAbsent()
    {
        var cd = CodeDirectory.Parse(new CodeDirectoryBuilder()
            .WithSpecialSlot(CodeSigningSlot.Requirements, [1, 2, 3])
            .Build(s_code));

        Assert.Equal(2u, cd.SpecialSlotCount);
        Assert.True(cd.HasSpecialSlot(CodeSigningSlot.Requirements));
        Assert.False(cd.HasSpecialSlot(CodeSigningSlot.InfoPlist));
        Assert.False(cd.HasSpecialSlot(CodeSigningSlot.Entitlements));
    }

    [Fact]
    public void Parse_HashSizeDoesNotMatchType_ReportsIssueAndRefusesHashes()
    {
        var cd = CodeDirectory.Parse(new CodeDirectoryBuilder { HashSizeOverride = 20 }.Build(s_code));

        var issue = Assert.Single(cd.Issues);
        Assert.Equal(MalformedDataReason.InvalidFieldValue, issue.Reason);
        Assert.Equal(CodeDirectoryLayout.HashSize, issue.Offset);
        Assert.False(cd.CanCheckHashes);
    }

    [Fact]
    public void Parse_CodeSlotCountDisagreesWithLimit_ReportsIssue()
    {
        var cd = CodeDirectory.Parse(new CodeDirectoryBuilder { CodeLimitOverride = 100_000 }.Build(s_code));

        Assert.Contains(cd.Issues, i => i.Reason == MalformedDataReason.InvalidFieldValue && i.Detail.Contains("nCodeSlots"));
    }

    [Fact]
    public void Parse_HashOffsetOutsideBlob_ReportsIssueAndRefusesHashes()
    {
        var cd = CodeDirectory.Parse(new CodeDirectoryBuilder { HashOffsetOverride = 0xFFFF_0000 }.Build(s_code));

        Assert.Contains(cd.Issues, i => i.Reason == MalformedDataReason.OffsetOutOfRange);
        Assert.False(cd.CanCheckHashes);
        Assert.Throws<ArgumentOutOfRangeException>(() => cd.GetSlotHash(0));
    }

    [Fact]
    public void Parse_UnsupportedHashType_ReportsIssue()
    {
        var blob = new CodeDirectoryBuilder().Build(s_code);
        blob[CodeDirectoryLayout.HashType] = 9;

        var cd = CodeDirectory.Parse(blob);

        Assert.Contains(cd.Issues, i => i.Detail.Contains("unsupported hashType"));
        Assert.False(cd.CanCheckHashes);
        Assert.Empty(cd.FullCdHash);
    }

    [Fact]
    public void Parse_IdentifierNotTerminated_ReportsUnterminatedString()
    {
        var blob = new CodeDirectoryBuilder().Build(s_code);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(blob.AsSpan(CodeDirectoryLayout.IdentOffset), (uint)blob.Length - 1);
        blob[^1] = (byte)'x';

        var cd = CodeDirectory.Parse(blob);

        Assert.Contains(cd.Issues, i => i.Reason == MalformedDataReason.UnterminatedString);
    }

    [Fact]
    public void Parse_VersionBeyondCompatibilityLimit_ReportsUnsupportedVersion()
    {
        var blob = new CodeDirectoryBuilder { Version = 0x20600 }.Build(s_code);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(blob.AsSpan(CodeDirectoryLayout.Version), 0x30000);

        var cd = CodeDirectory.Parse(blob);

        Assert.Contains(cd.Issues, i => i.Reason == MalformedDataReason.UnsupportedVersion);
    }

    [Fact]
    public void Parse_LengthFieldDisagreesWithBlob_Throws()
    {
        var blob = new CodeDirectoryBuilder().Build(s_code);

        var e = Assert.Throws<MalformedDataException>(() => CodeDirectory.Parse(blob.AsMemory(0, blob.Length - 4)));

        Assert.Equal(MalformedDataReason.InvalidFieldValue, e.Reason);
    }

    [Fact]
    public void Parse_HeaderShorterThanVersionNeeds_ThrowsLengthTooSmall()
    {
        var blob = new byte[0x30];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(blob, CodeSigningMagic.CodeDirectory);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(blob.AsSpan(4), 0x30);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(blob.AsSpan(8), 0x20500);

        var e = Assert.Throws<MalformedDataException>(() => CodeDirectory.Parse(blob));

        Assert.Equal(MalformedDataReason.LengthTooSmall, e.Reason);
    }

    [Fact]
    public void Describe_KnownAndUnknownBits_NamesBothWithoutMasking()
    {
        var flags = (CodeDirectoryFlags)0x0041_2002;

        Assert.Equal(["adhoc", "library-validation", "runtime", "0x400000"], CodeDirectoryFlagNames.Describe(flags));
    }
}
