using System.Text.Json;
using SigWatch.TestSupport;

namespace SigWatch.Cli.Tests.Check;

/// <summary><c>sigwatch check IMAGE.dmg</c> on the real ad-hoc-signed Sparkle image and its mutations (the first case).</summary>
public sealed class CheckDiskImageTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static (int Exit, string Out, string Err) Run(params string[] args) => CliRunner.Run(args);

    private string Image(Action<byte[]>? mutate = null)
    {
        var bytes = File.ReadAllBytes(Path.Combine(RepoPaths.RealFixtures, "sparkle-adhoc-signed-dmg", "SparkleTestCodeSign_apfs_lzma_aux_files.dmg"));
        mutate?.Invoke(bytes);
        var path = _dir.Combine("Sparkle Test.dmg");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [RealFixturesFact]
    public void Check_RealAdHocDiskImage_IsValidAdHocNotAnUnsignedNonMachO()
    {
        var (exit, output, error) = Run("check", Image());

        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Empty(error);
        Assert.Contains("Format=disk image (UDIF)", output, StringComparison.Ordinal);
        Assert.Contains("CDHash=ac64107c8837ae544f5ab7ede956b13bed0de411", output, StringComparison.Ordinal);
        Assert.Contains("Disk image signature=0xc4200 (409 bytes", output, StringComparison.Ordinal);
        Assert.Contains("Notarization Ticket=none stapled", output, StringComparison.Ordinal);
        Assert.EndsWith("Verdict: valid (ad-hoc)" + Environment.NewLine, output, StringComparison.Ordinal);
    }

    [RealFixturesFact]
    public void CheckJson_RealAdHocDiskImage_HasKindDiskImageAndTheTrailersSignatureFields()
    {
        var (exit, output, _) = Run("check", Image(), "--json");

        Assert.Equal(ExitCodes.Ok, exit);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.Equal("disk-image", root.GetProperty("kind").GetString());
        Assert.Equal("valid", root.GetProperty("verdict").GetString());
        Assert.Equal("ad-hoc", root.GetProperty("signature").GetProperty("classification").GetString());
        var image = root.GetProperty("diskImage");
        Assert.Equal(4, image.GetProperty("trailerVersion").GetInt32());
        Assert.Equal(803328, image.GetProperty("signatureOffset").GetInt64());
        Assert.Equal(409, image.GetProperty("signatureLength").GetInt64());
        Assert.False(image.GetProperty("ticketStapled").GetBoolean());
        Assert.Equal(JsonValueKind.Null, image.GetProperty("ticketNamesCdhash").ValueKind);
    }

    [RealFixturesFact]
    public void Check_DiskImageWithOneDataByteChanged_ExitsOneInvalidWithTheReason()
    {
        var (exit, output, _) = Run("check", Image(b => b[4096] ^= 1), "--json");

        Assert.Equal(ExitCodes.Invalid, exit);
        using var json = JsonDocument.Parse(output);
        Assert.Equal("invalid", json.RootElement.GetProperty("verdict").GetString());
        var finding = Assert.Single(json.RootElement.GetProperty("findings").EnumerateArray(), f => f.GetProperty("severity").GetString() == "error");
        Assert.Equal("page-hash-mismatch", finding.GetProperty("kind").GetString());
        Assert.Contains("modified after signing", finding.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [RealFixturesFact]
    public void Check_DiskImageWithItsSignatureFieldsZeroed_IsUnsigned()
    {
        var (exit, output, _) = Run("check", Image(b => b.AsSpan(b.Length - 512 + 296, 16).Clear()));

        Assert.Equal(ExitCodes.Invalid, exit);
        Assert.Contains("carries no embedded signature", output, StringComparison.Ordinal);
        Assert.EndsWith("Verdict: unsigned" + Environment.NewLine, output, StringComparison.Ordinal);
    }
}
