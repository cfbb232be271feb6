using System.IO.Compression;
using System.Text.Json;
using SigWatch.TestSupport;

namespace SigWatch.Cli.Tests.Check;

/// <summary><c>sigwatch check X.zip</c>: the apps inside and the AppleDouble diagnosis, before anything is unpacked.</summary>
public sealed class CheckArchiveTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Zip(params string[] names)
    {
        var path = _dir.Combine("Download.zip");
        using var archive = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var name in names)
        {
            using var writer = new StreamWriter(archive.CreateEntry(name).Open());
            writer.Write("x");
        }

        return path;
    }

    [Fact]
    public void Check_ZipWithAnAppAndMacosxDebris_ListsTheAppAndDiagnosesAppleDouble()
    {
        var path = Zip("Tool.app/Contents/Info.plist", "Tool.app/Contents/MacOS/Tool", "__MACOSX/Tool.app/Contents/._Info.plist");

        var (exit, output, _) = CliRunner.Run("check", path);

        Assert.Equal(ExitCodes.Invalid, exit);
        Assert.Contains("App=Tool.app (2 files, 2 B)", output, StringComparison.Ordinal);
        Assert.Contains("diagnosis appledouble: 1 AppleDouble entries (__MACOSX/, ._*), e.g. __MACOSX/Tool.app/Contents/._Info.plist", output, StringComparison.Ordinal);
        Assert.Contains("(nothing was extracted)", output, StringComparison.Ordinal);
        Assert.EndsWith("Verdict: unsigned (an archive carries no signature: unpack it, then check the app)" + Environment.NewLine, output, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckJson_Zip_IsKindArchiveWithItsApps()
    {
        var path = Zip("A.app/Contents/Info.plist", "B/B.app/Contents/Info.plist");

        var (_, output, _) = CliRunner.Run("check", path, "--json");

        using var json = JsonDocument.Parse(output);
        Assert.Equal("archive", json.RootElement.GetProperty("kind").GetString());
        var archive = json.RootElement.GetProperty("archive");
        Assert.Equal(["A.app", "B/B.app"], archive.GetProperty("apps").EnumerateArray().Select(a => a.GetProperty("path").GetString()));
        Assert.Equal(0, archive.GetProperty("appleDoubleEntries").GetInt32());
        Assert.False(archive.GetProperty("likelyZipBomb").GetBoolean());
    }
}
