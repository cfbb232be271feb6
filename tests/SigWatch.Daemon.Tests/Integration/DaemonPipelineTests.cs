using System.Diagnostics;
using System.Text.Json;
using SigWatch.Core.FileSystem;
using SigWatch.Protos.V1;
using SigWatch.TestSupport;
using SigWatch.TestSupport.Builders;

namespace SigWatch.Daemon.Tests.Integration;

/// <summary>
/// The assessment pipeline through the real daemon (real inotify, real SQLite, real CLI): nothing a watched folder holds
/// stalls it, a large bundle does not hold up a small one, the history records only real changes, names that are not
/// UTF-8 are assessed, and a full disk delays assessments without losing them.
/// </summary>
public sealed class DaemonPipelineTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(60);

    private static JsonElement Latest(JsonElement show) => show.GetProperty("bundle").GetProperty("latest");

    private static bool Assessed(JsonElement show) => Latest(show).ValueKind == JsonValueKind.Object;

    [LinuxFact]
    public async Task FifoAsInfoPlistCodeResourcesOrExecutable_EachIsAFinding_AndABundleDroppedAfterwardsIsAssessedPromptly()
    {
        using var dir = new TempDirectory();
        var root = Directory.CreateDirectory(dir.Combine("root")).FullName;
        var staging = Directory.CreateDirectory(dir.Combine("staging")).FullName;
        const double quiet = 0.5;
        await using var daemon = await DaemonProcess.StartAsync(dir, new DaemonStart { QuietWindowSeconds = quiet, Roots = [root] });

        var victims = new Dictionary<string, string>
        {
            ["PlistFifo.app"] = "Info.plist",
            ["SealFifo.app"] = "_CodeSignature/CodeResources",
            ["ExecFifo.app"] = "MacOS/ExecFifo",
        };
        foreach (var (name, victim) in victims)
        {
            var built = new BundleBuilder(name).WithFile("Resources/a.txt", "a").Build(staging);
            var fifo = Path.Combine(built, "Contents", victim);
            File.Delete(fifo);
            RawPaths.CreateFifo(fifo);
            Directory.Move(built, Path.Combine(root, name));
        }

        foreach (var (name, victim) in victims)
        {
            var app = Path.Combine(root, name);
            using var shown = await daemon.PollJsonAsync(["show", app], Assessed, s_wait);
            var signature = Latest(shown.RootElement).GetProperty("signature");
            Assert.Equal("invalid", signature.GetProperty("verdict").GetString());
            var findings = signature.GetProperty("findings").EnumerateArray().Select(f => f.GetProperty("detail").GetString()!).ToList();
            Assert.True(findings.Any(d => d.Contains("FIFO", StringComparison.Ordinal)), $"{victim}: {string.Join(" | ", findings)}");

            // The same bundle through `check`: bounded, and the same finding.
            var check = await Programs.RunCliAsync(["check", app, "--json"], TimeSpan.FromSeconds(20));
            Assert.Equal(1, check.ExitCode);
            Assert.Contains("FIFO", check.Stdout, StringComparison.Ordinal);
        }

        // Monitoring goes on: a normal bundle dropped now is assessed within the quiet window plus 2 s.
        var normal = new BundleBuilder("Normal.app").WithFile("Resources/a.txt", "a").Build(staging);
        var dropped = DateTimeOffset.UtcNow;
        Directory.Move(normal, Path.Combine(root, "Normal.app"));
        using var after = await daemon.PollJsonAsync(["show", Path.Combine(root, "Normal.app")], Assessed, s_wait);
        var assessedAt = Latest(after.RootElement).GetProperty("assessedAt").GetDateTimeOffset();
        Assert.True(assessedAt - dropped <= TimeSpan.FromSeconds(quiet + 2), $"assessed {(assessedAt - dropped).TotalSeconds:0.00} s after it was dropped");
        Assert.Equal(0, await daemon.TerminateAsync());
    }

    [Fact]
    public async Task LargeBundleBeingHashed_DoesNotHoldUpASmallOneDroppedAfterIt()
    {
        using var dir = new TempDirectory();
        var root = Directory.CreateDirectory(dir.Combine("root")).FullName;
        var staging = Directory.CreateDirectory(dir.Combine("staging")).FullName;
        var large = new BundleBuilder("Large.app");
        var resources = Path.Combine(staging, "Large.app", "Contents", "Resources");
        for (var d = 0; d < 1000; d++)
        {
            var sub = Directory.CreateDirectory(Path.Combine(resources, $"d{d:D4}")).FullName;
            for (var f = 0; f < 100; f++)
            {
                File.WriteAllText(Path.Combine(sub, $"f{f:D3}.txt"), $"file {d}/{f}");
            }
        }

        var largeApp = large.Build(staging);
        var smallApp = new BundleBuilder("Small.app").WithFile("Resources/a.txt", "a").Build(staging);
        await using var daemon = await DaemonProcess.StartAsync(dir, new DaemonStart { QuietWindowSeconds = 0.3, Roots = [root] });

        Directory.Move(largeApp, Path.Combine(root, "Large.app"));
        await Task.Delay(TimeSpan.FromSeconds(1.5)); // settled and taken by a worker: now being walked and hashed
        Directory.Move(smallApp, Path.Combine(root, "Small.app"));

        using var events = await daemon.PollJsonAsync(["events"],
            j => DaemonEndToEndTests.Events(j).Count(e => DaemonEndToEndTests.Kind(e) == "bundle-appeared") == 2, TimeSpan.FromMinutes(3));
        var appeared = DaemonEndToEndTests.Events(events.RootElement).Where(e => DaemonEndToEndTests.Kind(e) == "bundle-appeared")
            .Select(e => Path.GetFileName(e.GetProperty("bundlePath").GetString())).ToList();
        Assert.Equal(["Small.app", "Large.app"], appeared);
        using var largeShown = await daemon.PollJsonAsync(["show", Path.Combine(root, "Large.app")], Assessed, s_wait);
        Assert.True(Latest(largeShown.RootElement).GetProperty("fileCount").GetInt64() >= 100_000);
        Assert.Equal("valid", Latest(largeShown.RootElement).GetProperty("signature").GetProperty("verdict").GetString());
        Assert.Equal(0, await daemon.TerminateAsync());
    }

    [Fact]
    public async Task UnchangedBundle_TouchedThreeTimesAndReconciledTwice_HasExactlyOneAssessment()
    {
        using var dir = new TempDirectory();
        var root = Directory.CreateDirectory(dir.Combine("root")).FullName;
        var staging = Directory.CreateDirectory(dir.Combine("staging")).FullName;
        var built = new BundleBuilder("Still.app").WithFile("Resources/a.txt", "a").Build(staging);
        await using var daemon = await DaemonProcess.StartAsync(dir, new DaemonStart { QuietWindowSeconds = 0.3, Roots = [root] });
        var app = Path.Combine(root, "Still.app");
        Directory.Move(built, app);
        await daemon.PollJsonAsync(["show", app], Assessed, s_wait);

        var info = Path.Combine(app, "Contents", "Info.plist");
        using var channel = TestChannel.For(daemon.Socket);
        var control = new SigWatchControl.SigWatchControlClient(channel);
        for (var i = 1; i <= 3; i++)
        {
            var before = await LastAssessedAsync(daemon, app);
            File.SetLastWriteTimeUtc(info, DateTime.UtcNow.AddSeconds(i));
            await WaitForAssessmentAfterAsync(daemon, app, before);
        }

        for (var i = 1; i <= 2; i++)
        {
            var before = await LastAssessedAsync(daemon, app);
            await control.RescanAsync(new RescanRequest());
            await WaitForAssessmentAfterAsync(daemon, app, before);
        }

        using var history = await daemon.PollJsonAsync(["show", app, "--history"], _ => true, s_wait);
        Assert.Empty(history.RootElement.GetProperty("history").EnumerateArray());
        var events = (await daemon.CliAsync("events", "--json")).Stdout;
        Assert.Single(DaemonEndToEndTests.Events(JsonDocument.Parse(events).RootElement));
        Assert.Equal(0, await daemon.TerminateAsync());
    }

    private static async Task<DateTimeOffset> LastAssessedAsync(DaemonProcess daemon, string app)
    {
        using var shown = await daemon.PollJsonAsync(["show", app], _ => true, s_wait);
        return shown.RootElement.GetProperty("bundle").GetProperty("lastAssessedAt").GetDateTimeOffset();
    }

    // An assessment that finds nothing new writes no row, but moves the bundle's lastAssessedAt: wait for that.
    private static async Task WaitForAssessmentAfterAsync(DaemonProcess daemon, string app, DateTimeOffset before)
    {
        using var _ = await daemon.PollJsonAsync(["show", app],
            j => j.GetProperty("bundle").GetProperty("lastAssessedAt").GetDateTimeOffset() > before, s_wait);
    }

    [LinuxFact]
    public async Task BundleWhoseNameIsNotUtf8_IsListedWithItsEscapedName_AndGetsItsEvents()
    {
        using var dir = new TempDirectory();
        var root = Directory.CreateDirectory(dir.Combine("root")).FullName;
        var staging = Directory.CreateDirectory(dir.Combine("staging")).FullName;
        var built = new BundleBuilder("Bad.app").WithFile("Resources/a.txt", "a").Build(staging);
        await using var daemon = await DaemonProcess.StartAsync(dir, new DaemonStart { QuietWindowSeconds = 0.3, Roots = [root] });

        var bad = RawPaths.Join(root, [.. "Bad"u8, 0xFF, 0xFE, .. "Bundle.app"u8]);
        RawPaths.Rename(built, bad);
        var display = FileNames.Display(bad);
        Assert.EndsWith(@"/Bad\xff\xfeBundle.app", display, StringComparison.Ordinal);

        using var listed = await daemon.PollJsonAsync(["list"],
            j => j.GetProperty("bundles").EnumerateArray().Any(b => b.GetProperty("path").GetString() == display), s_wait);
        using var shown = await daemon.PollJsonAsync(["show", display], Assessed, s_wait);
        Assert.Equal("valid", Latest(shown.RootElement).GetProperty("signature").GetProperty("verdict").GetString());
        using var events = await daemon.PollJsonAsync(["events"],
            j => DaemonEndToEndTests.Events(j).Any(e => e.GetProperty("bundlePath").GetString() == display), s_wait);

        // A file written inside it is seen as well (the watcher cannot name it, the reconcile of its folder can).
        RawPaths.CreateFile(Path.Join(bad, "Contents", "Resources", "added.txt"), "x"u8);
        using var broken = await daemon.PollJsonAsync(["events"],
            j => DaemonEndToEndTests.Events(j).Any(e => DaemonEndToEndTests.Kind(e) == "seal-broken" && e.GetProperty("bundlePath").GetString() == display), s_wait);
        Assert.Equal(0, await daemon.TerminateAsync());
    }
}
