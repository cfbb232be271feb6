using System.Text.Json;
using SigWatch.TestSupport;
using SigWatch.TestSupport.Builders;

namespace SigWatch.Daemon.Tests.Integration;

/// <summary>The seal through the real daemon: a sealed bundle arrives valid, then a resource changes under it.</summary>
public sealed class DaemonSealTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task SealedBundle_IsValid_ThenAFileWrittenInsideIsACriticalSealBrokenNamingIt()
    {
        using var dir = new TempDirectory();
        var root = Directory.CreateDirectory(dir.Combine("root")).FullName;
        var staging = Directory.CreateDirectory(dir.Combine("staging")).FullName;
        var built = new BundleBuilder("Sealed.app").WithFile("Resources/license.txt", "MIT").Build(staging);
        await using var daemon = await DaemonProcess.StartAsync(dir, 0.3, root);

        var app = Path.Combine(root, "Sealed.app");
        Directory.Move(built, app);
        using (var shown = await daemon.PollJsonAsync(["show", app], j => j.GetProperty("bundle").GetProperty("latest").ValueKind == JsonValueKind.Object, s_wait))
        {
            var signature = shown.RootElement.GetProperty("bundle").GetProperty("latest").GetProperty("signature");
            Assert.True(signature.GetProperty("verdict").GetString() == "valid", signature.ToString());
            Assert.Equal("ad-hoc", signature.GetProperty("classification").GetString());
            Assert.Equal("com.example.sealed", signature.GetProperty("identifier").GetString());
        }

        // The app writes a licence file into its own bundle after install (USER-PROBLEMS.md row 3).
        await File.WriteAllTextAsync(Path.Combine(app, "Contents", "Resources", "license.key"), "ABCD-1234");
        using var events = await daemon.PollJsonAsync(["events"], j => DaemonEndToEndTests.Events(j).Any(e => DaemonEndToEndTests.Kind(e) == "seal-broken"), s_wait);
        var broken = DaemonEndToEndTests.Events(events.RootElement).Single(e => DaemonEndToEndTests.Kind(e) == "seal-broken");
        Assert.Equal("critical", broken.GetProperty("severity").GetString());
        Assert.Contains("Resources/license.key", broken.GetProperty("summary").GetString(), StringComparison.Ordinal);

        var human = await daemon.CliAsync("show", app);
        Assert.Contains("signature:      INVALID", human.Stdout, StringComparison.Ordinal);
        Assert.Contains("added-after-signing", human.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, await daemon.TerminateAsync());
    }
}
