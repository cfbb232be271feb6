using System.Diagnostics;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using SigWatch.TestSupport;

namespace SigWatch.Daemon.Tests.Integration;

/// <summary>
/// The real sigwatchd process, a real Unix socket, a real SQLite file and the real CLI process:
/// the path a user takes, end to end.
/// </summary>
public sealed class DaemonEndToEndTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Daemon_BundleCopiedInThenDeleted_ListedThenRemovedEvent_ExitsZeroOnSigterm_DatabaseIntact()
    {
        using var dir = new TempDirectory();
        var root = Directory.CreateDirectory(dir.Combine("root")).FullName;
        var staging = AppTree.Create(dir.Combine("staging", "Copied.app"), "com.example.copied", resources: 20);
        await using var daemon = await DaemonProcess.StartAsync(dir, quietWindowSeconds: 0.5, root);

        var app = Path.Combine(root, "Copied.app");
        AppTree.CopyTree(staging, app);

        using (var listed = await daemon.PollJsonAsync(["list"], j => Bundles(j).Any(b => b.GetProperty("path").GetString() == app), s_wait))
        {
            var bundle = Bundles(listed.RootElement).Single(b => b.GetProperty("path").GetString() == app);
            var latest = bundle.GetProperty("latest");
            Assert.Equal("com.example.copied", latest.GetProperty("bundleIdentifier").GetString());
            Assert.Equal(22, latest.GetProperty("fileCount").GetInt64());
            Assert.True(latest.GetProperty("hasMainExecutable").GetBoolean());
            Assert.False(latest.GetProperty("hasCodeResources").GetBoolean());
        }

        Directory.Delete(app, recursive: true);
        using (var events = await daemon.PollJsonAsync(["events"], j => Events(j).Any(e => Kind(e) == "bundle-removed"), s_wait))
        {
            var kinds = Events(events.RootElement).Where(e => e.GetProperty("bundlePath").GetString() == app).Select(Kind).ToArray();
            Assert.Equal(new string?[] { "bundle-appeared", "bundle-removed" }, kinds);
        }

        Assert.Equal(0, await daemon.TerminateAsync());
        Assert.Contains("stopped cleanly", daemon.Output, StringComparison.Ordinal);
        Assert.Equal("ok", IntegrityCheck(daemon.DatabasePath));
        Assert.False(File.Exists(daemon.Socket), "Kestrel removes its socket on a clean shutdown");
    }

    [Fact]
    public async Task Daemon_Restarted_KeepsInventoryAndHistory_EventIdsKeepIncreasing()
    {
        using var dir = new TempDirectory();
        var root = Directory.CreateDirectory(dir.Combine("root")).FullName;
        var first = AppTree.Create(Path.Combine(root, "First.app"), "com.example.first");

        long firstEventId;
        await using (var daemon = await DaemonProcess.StartAsync(dir, 0.3, root))
        {
            using var events = await daemon.PollJsonAsync(["events"], j => Events(j).Any(e => e.GetProperty("bundlePath").GetString() == first), s_wait);
            firstEventId = Events(events.RootElement).Single().GetProperty("id").GetInt64();
            Assert.Equal(0, await daemon.TerminateAsync());
        }

        await using (var daemon = await DaemonProcess.StartAsync(dir, 0.3, root))
        {
            // The inventory is there at once (no re-assessment needed to answer).
            var list = await daemon.CliAsync("list", "--json");
            Assert.True(list.ExitCode == 0, list.ToString());
            using (var doc = JsonDocument.Parse(list.Stdout))
            {
                Assert.Contains(Bundles(doc.RootElement), b => b.GetProperty("path").GetString() == first);
            }

            var second = AppTree.Create(Path.Combine(root, "Second.app"), "com.example.second");
            using var events = await daemon.PollJsonAsync(["events"], j => Events(j).Any(e => e.GetProperty("bundlePath").GetString() == second), s_wait);
            var all = Events(events.RootElement).ToArray();
            var ids = all.Select(e => e.GetProperty("id").GetInt64()).ToArray();
            Assert.Equal(ids.Order(), ids);
            Assert.Equal(ids.Length, ids.Distinct().Count());
            Assert.Contains(all, e => e.GetProperty("id").GetInt64() == firstEventId && e.GetProperty("bundlePath").GetString() == first);
            var secondId = all.Single(e => e.GetProperty("bundlePath").GetString() == second).GetProperty("id").GetInt64();
            Assert.True(secondId > firstEventId, $"event id {secondId} after restart must exceed {firstEventId}");
            // The unchanged first bundle was reconciled at startup without a new event.
            Assert.Single(all, e => e.GetProperty("bundlePath").GetString() == first);
            Assert.Equal(0, await daemon.TerminateAsync());
        }
    }

    [Fact]
    public async Task Daemon_BundleStillBeingCopied_IsAssessedExactlyOnceAfterItSettles()
    {
        using var dir = new TempDirectory();
        var root = Directory.CreateDirectory(dir.Combine("root")).FullName;
        await using var daemon = await DaemonProcess.StartAsync(dir, quietWindowSeconds: 2.0, root);

        var app = AppTree.Create(Path.Combine(root, "Slow.app"), "com.example.slow", resources: 0);
        var resources = Path.Combine(app, "Contents", "Resources");
        // A file every 500 ms until 5 s have passed (by the stopwatch, not by counting delays,
        // which may each end a little early).
        var copying = Stopwatch.StartNew();
        var written = 0;
        var lastWrite = TimeSpan.Zero;
        var longestPause = TimeSpan.Zero;
        using (var every = new PeriodicTimer(TimeSpan.FromMilliseconds(500)))
        {
            while (copying.Elapsed < TimeSpan.FromSeconds(5))
            {
                await every.WaitForNextTickAsync();
                await File.WriteAllTextAsync(Path.Combine(resources, $"late{written}.dat"), new string('x', 1000 * (written + 1)));
                written++;
                var now = copying.Elapsed;
                longestPause = now - lastWrite > longestPause ? now - lastWrite : longestPause;
                lastWrite = now;
            }
        }

        copying.Stop();
        // The copy this test stands for never pauses for a quiet window; a machine that stalled this writer that long
        // made it a different test (a pause, then more files: two assessments are right), so say so instead of failing below.
        Assert.True(longestPause < TimeSpan.FromSeconds(2), $"the writer stalled {longestPause.TotalMilliseconds:F0} ms, past the 2 s quiet window");

        using var shown = await daemon.PollJsonAsync(["show", app], j => j.GetProperty("bundle").GetProperty("latest").ValueKind == JsonValueKind.Object, s_wait);
        // Give a second, wrong, assessment every chance to happen before counting.
        await Task.Delay(TimeSpan.FromSeconds(3));

        var final = await daemon.CliAsync("show", app, "--json");
        Assert.True(final.ExitCode == 0, final.ToString());
        using var doc = JsonDocument.Parse(final.Stdout);
        var latest = doc.RootElement.GetProperty("bundle").GetProperty("latest");
        Assert.True(written >= 10, $"{written} files written");
        Assert.Equal(2 + written, latest.GetProperty("fileCount").GetInt64()); // Info.plist, executable, the late files
        Assert.Equal(0, doc.RootElement.GetProperty("history").GetArrayLength());

        var events = await daemon.CliAsync("events", "--json");
        using var eventsDoc = JsonDocument.Parse(events.Stdout);
        var forApp = Events(eventsDoc.RootElement).Where(e => e.GetProperty("bundlePath").GetString() == app).ToArray();
        Assert.Single(forApp);
        Assert.Equal("bundle-appeared", Kind(forApp[0]));
        var assessedAt = latest.GetProperty("assessedAt").GetDateTimeOffset();
        Assert.True(assessedAt >= DateTimeOffset.UtcNow - TimeSpan.FromSeconds(60));
        Assert.Equal(0, await daemon.TerminateAsync());
    }

    [Fact]
    public async Task Daemon_BundleChanged_RecordsChangedEventWithWhatChanged()
    {
        using var dir = new TempDirectory();
        var root = Directory.CreateDirectory(dir.Combine("root")).FullName;
        var utilities = Directory.CreateDirectory(Path.Combine(root, "Utilities")).FullName;
        var app = AppTree.Create(Path.Combine(utilities, "Tool.app"), "com.example.tool", shortVersion: "1.0");
        await using var daemon = await DaemonProcess.StartAsync(dir, 0.3, root);
        await daemon.PollJsonAsync(["events"], j => Events(j).Any(e => e.GetProperty("bundlePath").GetString() == app), s_wait);

        File.WriteAllText(Path.Combine(app, "Contents", "Info.plist"), AppTree.InfoPlist("com.example.tool", "Tool", "2.0"));
        using var events = await daemon.PollJsonAsync(["events"], j => Events(j).Any(e => Kind(e) == "bundle-changed"), s_wait);
        var changed = Events(events.RootElement).Single(e => Kind(e) == "bundle-changed");
        Assert.Equal(app, changed.GetProperty("bundlePath").GetString());
        Assert.Contains("CFBundleShortVersionString \"1.0\" -> \"2.0\"", changed.GetProperty("summary").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, await daemon.TerminateAsync());
    }

    [Fact]
    public async Task EventsFollow_PrintsNewEventsAsTheyHappen()
    {
        using var dir = new TempDirectory();
        var root = Directory.CreateDirectory(dir.Combine("root")).FullName;
        await using var daemon = await DaemonProcess.StartAsync(dir, 0.3, root);

        using var follower = Process.Start(Programs.StartInfo(Programs.CliDll, ["events", "--follow", "--json", "--socket", daemon.Socket]))!;
        try
        {
            await Task.Delay(500);
            var app = AppTree.Create(Path.Combine(root, "Live.app"), "com.example.live");
            var lineTask = follower.StandardOutput.ReadLineAsync();
            var finished = await Task.WhenAny(lineTask, Task.Delay(s_wait));
            Assert.True(finished == lineTask, "no event line arrived while following:\n" + daemon.Output);
            using var ev = JsonDocument.Parse((await lineTask)!);
            Assert.Equal("bundle-appeared", Kind(ev.RootElement));
            Assert.Equal(app, ev.RootElement.GetProperty("bundlePath").GetString());
        }
        finally
        {
            follower.Kill();
            await follower.WaitForExitAsync();
        }

        // A live stream must not hold up shutdown.
        Assert.Equal(0, await daemon.TerminateAsync(TimeSpan.FromSeconds(20)));
    }

    [Theory]
    [InlineData(false, "sigwatchd ended the event stream (it is stopping or restarting)")]
    [InlineData(true, "the connection to sigwatchd broke")]
    public async Task EventsFollow_WhenTheDaemonStopsOrDies_SaysSoAndExitsThree(bool kill, string message)
    {
        using var dir = new TempDirectory();
        var root = Directory.CreateDirectory(dir.Combine("root")).FullName;
        await using var daemon = await DaemonProcess.StartAsync(dir, 0.3, root);
        var app = AppTree.Create(Path.Combine(root, "Seen.app"), "com.example.seen");
        await daemon.PollJsonAsync(["events"], j => Events(j).Any(), s_wait);

        using var follower = Process.Start(Programs.StartInfo(Programs.CliDll, ["events", "--follow", "--json", "--socket", daemon.Socket]))!;
        var stderr = follower.StandardError.ReadToEndAsync();
        var first = await follower.StandardOutput.ReadLineAsync().WaitAsync(s_wait);
        var id = JsonDocument.Parse(first!).RootElement.GetProperty("id").GetInt64();
        if (kill)
        {
            daemon.Kill();
        }
        else
        {
            Assert.Equal(0, await daemon.TerminateAsync());
        }

        using var timeout = new CancellationTokenSource(s_wait);
        await follower.WaitForExitAsync(timeout.Token);
        Assert.Equal(3, follower.ExitCode);
        var said = await stderr;
        Assert.Contains(message, said, StringComparison.Ordinal);
        Assert.Contains($"resume with `sigwatch events --follow --after {id}`", said, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rescan_PathOutsideRoots_IsRefused_BundleInsideRootIsQueued()
    {
        using var dir = new TempDirectory();
        var root = Directory.CreateDirectory(dir.Combine("root")).FullName;
        await using var daemon = await DaemonProcess.StartAsync(dir, 0.3, root);

        var outside = await daemon.CliAsync("rescan", "/etc");
        Assert.Equal(2, outside.ExitCode);
        Assert.Contains("not a watched root", outside.Stderr, StringComparison.Ordinal);

        var app = AppTree.Create(Path.Combine(root, "Queued.app"), "com.example.queued");
        var queued = await daemon.CliAsync("rescan", app, "--json");
        Assert.Equal(0, queued.ExitCode);
        Assert.Equal(1, JsonDocument.Parse(queued.Stdout).RootElement.GetProperty("queued").GetInt32());
        await daemon.PollJsonAsync(["list"], j => Bundles(j).Any(b => b.GetProperty("path").GetString() == app), s_wait);
        Assert.Equal(0, await daemon.TerminateAsync());
    }

    [Fact]
    public async Task Requests_LongerThanAnyPath_AreRefusedBeforeTheyAreUsed_AndTheDaemonKeepsServing()
    {
        using var dir = new TempDirectory();
        var root = Directory.CreateDirectory(dir.Combine("root")).FullName;
        await using var daemon = await DaemonProcess.StartAsync(dir, 0.3, root);
        using var channel = TestChannel.For(daemon.Socket);
        var control = new Protos.V1.SigWatchControl.SigWatchControlClient(channel);

        // Longer than PATH_MAX but within the request size limit: a specific INVALID_ARGUMENT.
        var tooLong = await daemon.CliAsync("rescan", "/" + new string('a', 5000));
        Assert.Equal(2, tooLong.ExitCode);
        Assert.Contains("5001 bytes: longer than any path (4096)", tooLong.Stderr, StringComparison.Ordinal);

        // Beyond the request size limit (64 KiB): refused from its length prefix, never buffered whole.
        var huge = await Assert.ThrowsAsync<global::Grpc.Core.RpcException>(async () =>
            await control.RescanAsync(new Protos.V1.RescanRequest { Path = "/" + new string('a', 1024 * 1024) }));
        Assert.Equal(global::Grpc.Core.StatusCode.ResourceExhausted, huge.StatusCode);

        var status = await daemon.CliAsync("status");
        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.Equal(0, await daemon.TerminateAsync());
    }

    internal static IEnumerable<JsonElement> Bundles(JsonElement list) => list.GetProperty("bundles").EnumerateArray();

    internal static IEnumerable<JsonElement> Events(JsonElement list) => list.GetProperty("events").EnumerateArray();

    internal static string? Kind(JsonElement ev) => ev.GetProperty("kind").GetString();

    internal static string IntegrityCheck(string databasePath)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = databasePath, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA integrity_check;";
        return (string)command.ExecuteScalar()!;
    }
}
