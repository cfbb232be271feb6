using System.Text;
using SigWatch.Core.Quarantine;

namespace SigWatch.Core.Tests.Quarantine;

public sealed class QuarantineInfoTests
{
    [Fact]
    public void Parse_SafariDownload_DecodesEveryField()
    {
        // The shape from USER-PROBLEMS.md row 5.
        var q = QuarantineInfo.Parse("0083;6723b9fa;Safari;02162070-0d2c-4a3b-9ae2-1234567890ab");
        Assert.Equal((ushort)0x0083, q.Flags);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(0x6723b9fa), q.Time);
        Assert.Equal("Safari", q.Agent);
        Assert.Equal("02162070-0D2C-4A3B-9AE2-1234567890AB", q.EventId);
        Assert.Null(q.ParseError);
        Assert.False(q.UserApproved);
        Assert.Equal(["download", "sandbox", "translocate"], q.NamedFlags.Select(f => f.Name));
    }

    [Fact]
    public void Parse_ApprovedAfterFirstLaunch_UserApproved()
    {
        var q = QuarantineInfo.Parse("00c3;6723b9fa;Safari;");
        Assert.True(q.UserApproved);
        Assert.Null(q.EventId);
        Assert.Null(q.ParseError);
    }

    [Fact]
    public void Parse_HelperDownloadedHardQuarantine_NamesTheHardBitAsUnsure()
    {
        var q = QuarantineInfo.Parse("0087;6723b9fa;My App;");
        var hard = Assert.Single(q.NamedFlags, f => f.Name == "hard");
        Assert.Equal(FlagConfidence.Unsure, hard.Confidence);
        Assert.Equal("My App", q.Agent);
    }

    [Theory]
    [InlineData("0000;59d84776;MySoftware.app;", "MySoftware.app")]
    [InlineData("0181;59d84776", null)]
    [InlineData("0181", null)]
    public void Parse_MissingTrailingFields_AreTolerated(string value, string? agent)
    {
        var q = QuarantineInfo.Parse(value);
        Assert.NotNull(q.Flags);
        Assert.Equal(agent, q.Agent);
        Assert.Null(q.ParseError);
    }

    [Theory]
    [InlineData("", "flags")]
    [InlineData("zzzz;59d84776;Safari;", "flags")]
    [InlineData("0083;not-hex;Safari;", "time")]
    [InlineData("0083;59d84776;Safari;not-a-uuid", "event id")]
    [InlineData("00083;59d84776;Safari;", "flags")]
    public void Parse_MalformedValue_IsKeptRawWithAReason(string value, string field)
    {
        var q = QuarantineInfo.Parse(value);
        Assert.Equal(value, q.Raw);
        Assert.NotNull(q.ParseError);
        Assert.Contains(field, q.ParseError, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_BytesWithTrailingNulAndInvalidUtf8_NeverThrows()
    {
        var q = QuarantineInfo.Parse([.. "0083;6723b9fa;Saf"u8, 0xFF, .. "ari;\0"u8]);
        Assert.Equal((ushort)0x0083, q.Flags);
        Assert.EndsWith(";", q.Raw, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_OversizedValue_IsNotParsedButKept()
    {
        var q = QuarantineInfo.Parse(Encoding.ASCII.GetBytes("0083;" + new string('a', 10_000)));
        Assert.Null(q.Flags);
        Assert.Contains("longer than", q.ParseError, StringComparison.Ordinal);
        Assert.Equal(QuarantineInfo.MaxValueBytes, q.Raw.Length);
    }

    [Fact]
    public void Parse_SeededRandomValues_NeverThrow()
    {
        // The fuzz target's invariant, run in-process: any bytes give a record with Raw set.
        var random = new Random(7);
        var alphabet = "0123456789abcdefABCDEF;-\0xyz é".ToCharArray();
        for (var i = 0; i < 20_000; i++)
        {
            var length = random.Next(0, 80);
            var chars = new char[length];
            for (var c = 0; c < length; c++)
            {
                chars[c] = alphabet[random.Next(alphabet.Length)];
            }

            var q = QuarantineInfo.Parse(Encoding.UTF8.GetBytes(chars));
            Assert.NotNull(q.Raw);
        }
    }

    [Fact]
    public void Describe_UnknownBits_AreReportedNotDropped()
    {
        var flags = QuarantineFlags.Describe(0x0201);
        Assert.Equal(["download", "unknown-0x0200"], flags.Select(f => f.Name));
    }
}
