using System.Security.Cryptography;
using SigWatch.Platform.Darwin;

namespace SigWatch.Platform.Tests.Darwin;

// Dictionaries shaped as SecCodeCopySigningInformation returns them (macos-integration.md §3.3) after CFValueConverter:
// CFString → string, CFNumber → long, CFData → byte[], CFDate → DateTimeOffset, SecCertificate → CFOpaqueValue.
public class SigningInformationMapperTests
{
    private static readonly byte[] CdHash = Convert.FromHexString("0123456789abcdef0123456789abcdef01234567");

    [Fact]
    public void DeveloperIdSignedApp_MapsEveryField()
    {
        var signed = new DateTimeOffset(2024, 3, 4, 5, 6, 7, TimeSpan.Zero);
        var info = new Dictionary<string, object?>
        {
            ["identifier"] = "com.example.app",
            ["teamid"] = "ABCDE12345",
            ["unique"] = CdHash,
            ["flags"] = 0x10000L,
            ["certificates"] = new List<object?> { new CFOpaqueValue("<cert(leaf)>"), new CFOpaqueValue("<cert(ca)>") },
            ["entitlements-dict"] = new Dictionary<string, object?> { ["com.apple.security.app-sandbox"] = true },
            ["signing-timestamp"] = signed,
            ["format"] = "app bundle with Mach-O universal (x86_64 arm64)",
        };
        byte[][] chain = [[1, 2, 3], [4, 5]];

        var summary = SigningInformationMapper.ToSummary(info, chain, "identifier \"com.example.app\"");

        Assert.NotNull(summary);
        Assert.Equal("com.example.app", summary.Identifier);
        Assert.Equal("ABCDE12345", summary.TeamId);
        Assert.Equal("0123456789abcdef0123456789abcdef01234567", summary.CdHash);
        Assert.Equal(0x10000u, summary.Flags);
        Assert.Equal([Convert.ToHexStringLower(SHA256.HashData(chain[0])), Convert.ToHexStringLower(SHA256.HashData(chain[1]))],
            summary.CertificateSha256);
        Assert.Null(summary.DeclaredSigningTime);
        Assert.Equal(signed, summary.TimestampedSigningTime);
        Assert.True(summary.HasEntitlements);
        Assert.Equal("identifier \"com.example.app\"", summary.DesignatedRequirement);
        Assert.Equal(SecCodeSignatureFlags.Runtime, SigningInformationMapper.SignatureFlags(info));
    }

    [Fact]
    public void UnsignedCode_DictionaryWithoutIdentifier_IsNull()
    {
        var info = new Dictionary<string, object?> { ["main-executable"] = "/bin/x" };
        Assert.Null(SigningInformationMapper.ToSummary(info, [], null));
    }

    [Fact]
    public void WrongValueTypes_AreAbsentNotCoerced()
    {
        var info = new Dictionary<string, object?>
        {
            ["identifier"] = "com.example.tool",
            ["teamid"] = 5L,
            ["unique"] = "not data",
            ["flags"] = -1L,
            ["signing-time"] = "2024-01-01",
        };

        var summary = SigningInformationMapper.ToSummary(info, [], null)!;
        Assert.Null(summary.TeamId);
        Assert.Null(summary.CdHash);
        Assert.Null(summary.Flags);
        Assert.Null(summary.DeclaredSigningTime);
        Assert.False(summary.HasEntitlements);
        Assert.Empty(summary.CertificateSha256);
    }

    [Fact]
    public void DynamicStatus_ReadsStatusKey()
    {
        var info = new Dictionary<string, object?> { ["status"] = (long)(0x1 | 0x100 | 0x04000000) };
        Assert.Equal(SecCodeStatus.Valid | SecCodeStatus.Hard | SecCodeStatus.Platform, SigningInformationMapper.DynamicStatus(info));
        Assert.Null(SigningInformationMapper.DynamicStatus(new Dictionary<string, object?>()));
        Assert.Null(SigningInformationMapper.DynamicStatus(new Dictionary<string, object?> { ["status"] = 4294967296L }));
    }

    [Fact]
    public void CustomKeys_AreHonoured()
    {
        var keys = SigningInfoKeys.Documented with { Identifier = "ident-v2" };
        var info = new Dictionary<string, object?> { ["ident-v2"] = "com.example.x" };
        Assert.Equal("com.example.x", SigningInformationMapper.ToSummary(info, [], null, keys)?.Identifier);
        Assert.Null(SigningInformationMapper.ToSummary(info, [], null));
    }
}
