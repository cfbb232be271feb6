using System.Text.Json;
using SigWatch.Core.FileSystem;
using SigWatch.Platform;
using SigWatch.TestSupport;
using SigWatch.TestSupport.Builders;

namespace SigWatch.Daemon.Tests.Integration;

/// <summary>
/// Copy lineage through the real daemon (issue 15): an ad-hoc-sealed app on a source root (a mounted disk image) or in
/// Downloads, copied or moved into the Applications root, with the real watcher, store and CLI.
/// </summary>
public sealed class DaemonLineageTests
{
    private const string Nfd = "Cafe\u0301.txt";
    private const string Nfc = "Caf\u00e9.txt";
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task CopiedFromADiskImage_WithAResourceRenamedNfdToNfc_IsOneCopyBrokeSealNamingTheSourceAndTheNormalization()
    {
        using var dir = new TempDirectory();
        await using var setup = await Setup.StartAsync(dir);
        var source = await setup.OnDiskImageAsync();

        // A good copy first: valid, noted as a copy, no alert.
        var good = setup.CopyIntoApplications(source, "Good.app", _ => { });
        using (var shown = await setup.Daemon.PollJsonAsync(["show", good], j => Latest(j).ValueKind == JsonValueKind.Object, s_wait))
        {
            Assert.Equal("valid", Latest(shown.RootElement).GetProperty("signature").GetProperty("verdict").GetString());
            var lineage = shown.RootElement.GetProperty("bundle").GetProperty("lineage");
            Assert.Equal("copy", lineage.GetProperty("relation").GetString());
            Assert.Equal(source, lineage.GetProperty("sourcePath").GetString());
        }

        // The Finder's copy from a file server: one resource name changes from NFD to NFC.
        var copy = setup.CopyIntoApplications(source, "Slack.app", app =>
            File.Move(Path.Combine(app, "Contents", "Resources", Nfd), Path.Combine(app, "Contents", "Resources", Nfc)));
        var alert = await setup.SingleCopyBrokeSealAsync(copy);
        Assert.Equal("critical", alert.GetProperty("severity").GetString());
        Assert.Equal($"Slack.app's seal broke when it was copied from {source}: 1 file name changed Unicode form (NFD → NFC) — copy it again with ditto (the Finder or the file server changed the names)",
            alert.GetProperty("summary").GetString());

        var events = await setup.EventsAsync();
        Assert.DoesNotContain(events, e => DaemonEndToEndTests.Kind(e) == "copy-broke-seal" && e.GetProperty("bundlePath").GetString() == good);
        Assert.DoesNotContain(events, e => e.GetProperty("bundlePath").GetString() == source);
        var appeared = events.Single(e => DaemonEndToEndTests.Kind(e) == "bundle-appeared" && e.GetProperty("bundlePath").GetString() == copy);
        Assert.Equal("info", appeared.GetProperty("severity").GetString());

        var human = await setup.Daemon.CliAsync("show", copy);
        Assert.Contains($"origin:      copied from {source} (valid there at ", human.Stdout, StringComparison.Ordinal);
        using var json = await setup.Daemon.PollJsonAsync(["show", copy], _ => true, s_wait);
        var link = json.RootElement.GetProperty("bundle").GetProperty("lineage");
        Assert.True(link.GetProperty("sourceAssessmentId").GetInt64() > 0);
        Assert.Equal(0, await setup.Daemon.TerminateAsync());
    }

    [Fact]
    public async Task MovedFromDownloadsIntoApplications_IsNoCopyEvent_OnlyAMoveNoted()
    {
        using var dir = new TempDirectory();
        await using var setup = await Setup.StartAsync(dir);
        var downloaded = await setup.InDownloadsAsync();

        var moved = Path.Combine(setup.Applications, "Slack.app");
        Directory.Move(downloaded, moved);
        using var shown = await setup.Daemon.PollJsonAsync(["show", moved], j => Latest(j).ValueKind == JsonValueKind.Object, s_wait);
        Assert.Equal("move", shown.RootElement.GetProperty("bundle").GetProperty("lineage").GetProperty("relation").GetString());
        await setup.Daemon.PollJsonAsync(["events"], j => DaemonEndToEndTests.Events(j).Any(e => DaemonEndToEndTests.Kind(e) == "bundle-removed"), s_wait);

        var events = await setup.EventsAsync();
        Assert.DoesNotContain(events, e => DaemonEndToEndTests.Kind(e) == "copy-broke-seal");
        var appeared = events.Single(e => DaemonEndToEndTests.Kind(e) == "bundle-appeared" && e.GetProperty("bundlePath").GetString() == moved);
        Assert.Contains($"; moved from {downloaded} (valid there at ", appeared.GetProperty("summary").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, await setup.Daemon.TerminateAsync());
    }

    [Fact]
    public async Task CopiedAndALicenseFileWrittenInsideBeforeItSettled_IsCopyBrokeSealNamingTheAddedFile()
    {
        using var dir = new TempDirectory();
        await using var setup = await Setup.StartAsync(dir);
        var source = await setup.OnDiskImageAsync();

        var copy = setup.CopyIntoApplications(source, "Slack.app", app =>
            File.WriteAllText(Path.Combine(app, "Contents", "Resources", "devel.lic"), "LICENSED TO: someone"));
        var alert = await setup.SingleCopyBrokeSealAsync(copy);
        Assert.Equal($"Slack.app's seal broke when it was copied from {source}: 1 file added after signing: Resources/devel.lic — something wrote into the app's own bundle (often the app itself); reinstall it",
            alert.GetProperty("summary").GetString());
        Assert.Equal(0, await setup.Daemon.TerminateAsync());
    }

    [LinuxFact]
    public async Task CopiedWithAQuarantinedFileAddedInside_IsCopyBrokeSealSayingBoth()
    {
        using var dir = new TempDirectory();
        await using var setup = await Setup.StartAsync(dir);
        var source = await setup.OnDiskImageAsync();

        var copy = setup.CopyIntoApplications(source, "Slack.app", app =>
        {
            var plugin = Path.Combine(app, "Contents", "Resources", "plugin.bin");
            File.WriteAllText(plugin, "downloaded by the app");
            ExtendedAttributes.Instance.Set(plugin, ExtendedAttributeNames.Quarantine, "0083;6723b9fa;Safari;"u8);
        });
        var summary = (await setup.SingleCopyBrokeSealAsync(copy)).GetProperty("summary").GetString()!;
        Assert.Contains("1 file added after signing: Resources/plugin.bin; 1 quarantined file inside: Resources/plugin.bin — ", summary, StringComparison.Ordinal);
        Assert.Equal(0, await setup.Daemon.TerminateAsync());
    }

    private static JsonElement Latest(JsonElement show) => show.GetProperty("bundle").GetProperty("latest");

    /// <summary>
    /// A daemon watching an Applications root and a Downloads root, with a source root standing for /Volumes; apps are
    /// built in a staging folder outside all of them and arrive by one rename, as a finished copy does.
    /// </summary>
    private sealed class Setup : IAsyncDisposable
    {
        private readonly TempDirectory _dir;

        private Setup(TempDirectory dir, DaemonProcess daemon)
        {
            _dir = dir;
            Daemon = daemon;
        }

        public DaemonProcess Daemon { get; }

        public string Applications => _dir.Combine("Applications");

        public string Volumes => _dir.Combine("Volumes");

        public string Downloads => _dir.Combine("home", "Downloads");

        private string Staging => _dir.Combine("staging");

        public static async Task<Setup> StartAsync(TempDirectory dir)
        {
            foreach (var folder in new[] { "Applications", "Volumes", "staging" })
            {
                Directory.CreateDirectory(dir.Combine(folder));
            }

            Directory.CreateDirectory(dir.Combine("home", "Downloads"));
            var daemon = await DaemonProcess.StartAsync(dir, new DaemonStart
            {
                QuietWindowSeconds = 0.3,
                Roots = [dir.Combine("Applications"), dir.Combine("home", "Downloads")],
                Arguments = ["--source-root", dir.Combine("Volumes")],
            });
            return new Setup(dir, daemon);
        }

        /// <summary>The app on a mounted disk image (/Volumes/Slack/Slack.app), once the daemon has seen it valid.</summary>
        public async Task<string> OnDiskImageAsync()
        {
            var volume = Directory.CreateDirectory(Path.Combine(Volumes, "Slack")).FullName;
            return await ArriveValidAsync(Path.Combine(volume, "Slack.app"));
        }

        /// <summary>The app in Downloads, once the daemon has seen it valid.</summary>
        public Task<string> InDownloadsAsync() => ArriveValidAsync(Path.Combine(Downloads, "Slack.app"));

        /// <summary>A copy of <paramref name="source"/> (a new directory), changed by <paramref name="change"/>, moved into Applications.</summary>
        public string CopyIntoApplications(string source, string name, Action<string> change)
        {
            var staged = Path.Combine(Staging, name);
            AppTree.CopyTree(source, staged);
            change(staged);
            var target = Path.Combine(Applications, name);
            Directory.Move(staged, target);
            return target;
        }

        /// <summary>Waits for the copy-broke-seal of <paramref name="copy"/>, then checks that it stays the only one.</summary>
        public async Task<JsonElement> SingleCopyBrokeSealAsync(string copy)
        {
            await Daemon.PollJsonAsync(["events"], j => DaemonEndToEndTests.Events(j).Any(e => IsCopyAlert(e, copy)), s_wait);
            // A rescan of everything re-assesses the copy: still one alert.
            Assert.Equal(0, (await Daemon.CliAsync("rescan")).ExitCode);
            await Task.Delay(1500);
            var alerts = (await EventsAsync()).Where(e => IsCopyAlert(e, copy)).ToList();
            return Assert.Single(alerts);
        }

        public async Task<List<JsonElement>> EventsAsync()
        {
            var result = await Daemon.CliAsync("events", "--json");
            Assert.True(result.ExitCode == 0, result.ToString());
            return [.. DaemonEndToEndTests.Events(JsonDocument.Parse(result.Stdout).RootElement)];
        }

        public ValueTask DisposeAsync() => Daemon.DisposeAsync();

        private static bool IsCopyAlert(JsonElement e, string copy) =>
            DaemonEndToEndTests.Kind(e) == "copy-broke-seal" && e.GetProperty("bundlePath").GetString() == copy;

        private async Task<string> ArriveValidAsync(string path)
        {
            var built = new BundleBuilder("Slack.app")
                .WithFile($"Resources/{Nfd}", "a resource whose name the Finder may recompose")
                .WithFile("Resources/en.lproj/Localizable.strings", "\"hello\" = \"hello\";")
                .Build(Directory.CreateDirectory(Path.Combine(Staging, Guid.NewGuid().ToString("N"))).FullName);
            Directory.Move(built, path);
            await Daemon.PollJsonAsync(["show", path],
                j => Latest(j).ValueKind == JsonValueKind.Object && Latest(j).GetProperty("signature").GetProperty("verdict").GetString() == "valid", s_wait);
            return FileNames.Display(path);
        }
    }
}
