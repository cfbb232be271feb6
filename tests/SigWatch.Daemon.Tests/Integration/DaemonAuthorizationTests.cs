using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using SigWatch.TestSupport;

namespace SigWatch.Daemon.Tests.Integration;

/// <summary>
/// Who may see and do what (issue 14), through the real CLI run as other users (setpriv) against the real daemon as
/// root: each user's Downloads is private to that user and the admins, Rescan is an admin action, group rules see
/// supplementary groups, and the daemon's files are its own.
/// </summary>
public sealed class DaemonAuthorizationTests
{
    private const uint UserA = 60001, UserB = 60002, Admin = 60003, Member = 60004;
    private const uint AdminGroup = 60010, AllowedGroup = 60030;
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(60);

    private static readonly OtherUser s_a = OtherUser.WithId(UserA);
    private static readonly OtherUser s_admin = OtherUser.WithId(Admin, AdminGroup);

    [LinuxRootFact("to act as other users with setpriv")]
    public async Task Downloads_AreVisibleOnlyToTheirOwnerAndAdmins_InListShowEventsAndStatus()
    {
        using var dir = new TempDirectory();
        await using var homes = await Homes.StartAsync(dir);

        var asA = await s_a.RunCliAsync("list", "--json", "--socket", homes.Daemon.Socket);
        Assert.True(asA.ExitCode == 0, asA.ToString());
        var seenByA = Paths(JsonDocument.Parse(asA.Stdout).RootElement.GetProperty("bundles"));
        Assert.Equal(new[] { homes.AppA, homes.Shared }.Order(StringComparer.Ordinal), seenByA.Order(StringComparer.Ordinal));
        Assert.Equal(2, JsonDocument.Parse(asA.Stdout).RootElement.GetProperty("totalCount").GetInt64());

        var showB = await s_a.RunCliAsync("show", homes.AppB, "--socket", homes.Daemon.Socket);
        Assert.True(showB.ExitCode == 4, showB.ToString());
        Assert.Contains($"Downloads: its bundles and events are visible only to uid {UserB} and admins", showB.Stderr, StringComparison.Ordinal);
        var showBById = await s_a.RunCliAsync("show", "--id", homes.IdOf(homes.AppB).ToString(CultureInfo.InvariantCulture), "--socket", homes.Daemon.Socket);
        Assert.True(showBById.ExitCode == 4, showBById.ToString());

        var eventsA = await s_a.RunCliAsync("events", "--json", "--socket", homes.Daemon.Socket);
        Assert.True(eventsA.ExitCode == 0, eventsA.ToString());
        var eventPaths = DaemonEndToEndTests.Events(JsonDocument.Parse(eventsA.Stdout).RootElement).Select(e => e.GetProperty("bundlePath").GetString()).ToList();
        Assert.Contains(homes.AppA, eventPaths);
        Assert.DoesNotContain(homes.AppB, eventPaths);

        var statusA = await s_a.RunCliAsync("status", "--json", "--socket", homes.Daemon.Socket);
        var status = JsonDocument.Parse(statusA.Stdout).RootElement;
        Assert.False(status.GetProperty("caller").GetProperty("admin").GetBoolean());
        var rootB = status.GetProperty("roots").EnumerateArray().Single(r => r.GetProperty("path").GetString() == homes.DownloadsB);
        Assert.True(rootB.GetProperty("hidden").GetBoolean());
        Assert.Equal(0, rootB.GetProperty("bundleCount").GetInt64());

        // An admin only through a supplementary group sees everything.
        var asAdmin = await s_admin.RunCliAsync("list", "--json", "--socket", homes.Daemon.Socket);
        Assert.True(asAdmin.ExitCode == 0, asAdmin.ToString());
        Assert.Equal(3, Paths(JsonDocument.Parse(asAdmin.Stdout).RootElement.GetProperty("bundles")).Count);
        var adminShowB = await s_admin.RunCliAsync("show", homes.AppB, "--socket", homes.Daemon.Socket);
        Assert.True(adminShowB.ExitCode == 0, adminShowB.ToString());
        Assert.Equal(0, await homes.Daemon.TerminateAsync());
    }

    [LinuxRootFact("to act as other users with setpriv")]
    public async Task EventStream_OfAUser_CarriesTheirEventsAndNotAnotherUsersDownloads()
    {
        using var dir = new TempDirectory();
        await using var homes = await Homes.StartAsync(dir);
        var last = JsonDocument.Parse((await homes.Daemon.CliAsync("status", "--json")).Stdout).RootElement.GetProperty("lastEventId").GetInt64();

        var info = s_a.Wrap(Programs.StartInfo(Programs.CliDll,
            ["events", "--follow", "--json", "--after", last.ToString(CultureInfo.InvariantCulture), "--socket", homes.Daemon.Socket]));
        using var follower = Process.Start(info)!;
        var lines = new List<string>();
        var sawA2 = new TaskCompletionSource();
        var a2 = Path.Combine(homes.DownloadsA, "A2.app");
        follower.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { Length: > 0 } line)
            {
                lock (lines)
                {
                    lines.Add(line);
                }

                if (line.Contains(a2, StringComparison.Ordinal))
                {
                    sawA2.TrySetResult();
                }
            }
        };
        follower.BeginOutputReadLine();
        try
        {
            // B's new bundle is committed first: had the stream not been filtered, A would see it before A2.
            var b2 = AppTree.Create(Path.Combine(homes.DownloadsB, "B2.app"), "com.example.b2");
            await homes.Daemon.PollJsonAsync(["events"], j => DaemonEndToEndTests.Events(j).Any(e => e.GetProperty("bundlePath").GetString() == b2), s_wait);
            AppTree.Create(a2, "com.example.a2");
            await sawA2.Task.WaitAsync(s_wait);
            lock (lines)
            {
                Assert.DoesNotContain(lines, l => l.Contains(b2, StringComparison.Ordinal));
            }
        }
        finally
        {
            follower.Kill(entireProcessTree: true);
            await follower.WaitForExitAsync();
        }

        Assert.Equal(0, await homes.Daemon.TerminateAsync());
    }

    [LinuxRootFact("to act as other users with setpriv")]
    public async Task Rescan_ByANonAdmin_IsPermissionDeniedWithTheRule_ByAnAdmin_IsQueued()
    {
        using var dir = new TempDirectory();
        await using var homes = await Homes.StartAsync(dir);

        var denied = await s_a.RunCliAsync("rescan", homes.AppA, "--socket", homes.Daemon.Socket);
        Assert.True(denied.ExitCode == 4, denied.ToString());
        Assert.Contains("Rescan is an admin action", denied.Stderr, StringComparison.Ordinal);
        Assert.Contains($"uid {UserA} is not root, not the daemon's user and in no admin group", denied.Stderr, StringComparison.Ordinal);

        var queued = await s_admin.RunCliAsync("rescan", "--socket", homes.Daemon.Socket);
        Assert.True(queued.ExitCode == 0, queued.ToString());
        Assert.Contains("queued 3 item(s)", queued.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, await homes.Daemon.TerminateAsync());
    }

    [LinuxRootFact("to act as other users with setpriv")]
    public async Task AllowGroup_AdmitsAPeerWhoseOnlyMatchingGroupIsSupplementary()
    {
        using var dir = new TempDirectory();
        var root = Directory.CreateDirectory(dir.Combine("root")).FullName;
        await using var daemon = await DaemonProcess.StartAsync(dir, new DaemonStart
        {
            QuietWindowSeconds = 0.2,
            Roots = [root],
            Arguments = ["--allow-group", AllowedGroup.ToString(CultureInfo.InvariantCulture)],
        });

        var member = await OtherUser.WithId(Member, AllowedGroup).RunCliAsync("status", "--socket", daemon.Socket);
        Assert.True(member.ExitCode == 0, member.ToString());

        var stranger = await OtherUser.WithId(Member).RunCliAsync("status", "--socket", daemon.Socket);
        Assert.True(stranger.ExitCode == 4, stranger.ToString());
        Assert.Contains($"refused this connection: uid {Member} (gid {Member}) is not allowed", stranger.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, await daemon.TerminateAsync());
    }

    [LinuxRootFact("to act as other users with setpriv")]
    public async Task StateAndLogDirectories_MadeOpenBeforehand_AreTightenedAndTheirFilesUnreadableToOthers()
    {
        using var dir = new TempDirectory();
        var open = (UnixFileMode)Convert.ToInt32("755", 8);
        var state = Directory.CreateDirectory(dir.Combine("state"), open).FullName;
        var logs = Directory.CreateDirectory(dir.Combine("logs"), open).FullName;
        File.SetUnixFileMode(state, open);
        File.SetUnixFileMode(logs, open);
        var stale = Path.Combine(state, "left-behind.txt");
        await File.WriteAllTextAsync(stale, "from an earlier version");
        File.SetUnixFileMode(stale, (UnixFileMode)Convert.ToInt32("644", 8));
        var root = Directory.CreateDirectory(dir.Combine("root")).FullName;
        var app = AppTree.Create(Path.Combine(root, "Seen.app"), "com.example.seen");

        await using var daemon = await DaemonProcess.StartAsync(dir, new DaemonStart { QuietWindowSeconds = 0.2, Roots = [root], StateDir = state });
        await daemon.PollJsonAsync(["list"], j => DaemonEndToEndTests.Bundles(j).Any(b => b.GetProperty("path").GetString() == app), s_wait);

        Assert.Equal("700", Mode(state));
        Assert.Equal("700", Mode(logs));
        Assert.Equal("600", Mode(stale));
        var log = Directory.GetFiles(logs, "sigwatchd-*.clef").Single();
        foreach (var file in new[] { daemon.DatabasePath, daemon.DatabasePath + "-wal", daemon.DatabasePath + "-shm", log })
        {
            Assert.Equal("600", Mode(file));
            var read = await OtherUser.Nobody.RunAsync(new ProcessStartInfo("cat", [file]) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true }, s_wait);
            Assert.True(read.ExitCode != 0 && read.Stderr.Contains("Permission denied", StringComparison.Ordinal), $"{file}: {read}");
        }

        Assert.Contains($"Made private (it was readable by others): {state}: mode 0755 -> 0700", daemon.Output, StringComparison.Ordinal);
        Assert.Equal(0, await daemon.TerminateAsync());
    }

    [LinuxRootFact("to give a directory to another user")]
    public async Task StateDirectory_OwnedByAnotherUser_RefusesToStartNamingPathOwnerAndMode()
    {
        using var dir = new TempDirectory();
        var state = Directory.CreateDirectory(dir.Combine("state")).FullName;
        File.SetUnixFileMode(state, (UnixFileMode)Convert.ToInt32("755", 8));
        await OtherUser.ChownAsync(state, 65534);
        var root = Directory.CreateDirectory(dir.Combine("root")).FullName;

        using var process = Process.Start(Programs.StartInfo(Programs.Daemon,
            ["--root", root, "--state-dir", state, "--log-dir", dir.Combine("logs"), "--socket", dir.Combine("run", "d.sock")]))!;
        process.StandardInput.Close();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(s_wait);
        await process.WaitForExitAsync(timeout.Token);
        Assert.Equal(1, process.ExitCode);
        Assert.Contains($"{state} is owned by uid 65534 (mode 0755), not by the daemon's user (uid 0)", await stderr, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(state));
    }

    private static List<string> Paths(JsonElement bundles) => [.. bundles.EnumerateArray().Select(b => b.GetProperty("path").GetString()!)];

    private static string Mode(string path) => Convert.ToString((int)File.GetUnixFileMode(path) & 0x1FF, 8);

    /// <summary>
    /// Two users' Downloads (owned by them) and a shared Applications folder, one app in each, watched by a root daemon
    /// that admits both users and the admin, whose admin group is <see cref="AdminGroup"/>.
    /// </summary>
    private sealed class Homes : IAsyncDisposable
    {
        private Homes(DaemonProcess daemon, string downloadsA, string downloadsB, string applications)
        {
            Daemon = daemon;
            DownloadsA = downloadsA;
            DownloadsB = downloadsB;
            AppA = Path.Combine(downloadsA, "A.app");
            AppB = Path.Combine(downloadsB, "B.app");
            Shared = Path.Combine(applications, "Shared.app");
        }

        public DaemonProcess Daemon { get; }

        public string DownloadsA { get; }

        public string DownloadsB { get; }

        public string AppA { get; }

        public string AppB { get; }

        public string Shared { get; }

        private Dictionary<string, long> Ids { get; } = [];

        public long IdOf(string path) => Ids[path];

        public static async Task<Homes> StartAsync(TempDirectory dir)
        {
            var downloadsA = Directory.CreateDirectory(dir.Combine("home", "a", "Downloads")).FullName;
            var downloadsB = Directory.CreateDirectory(dir.Combine("home", "b", "Downloads")).FullName;
            var applications = Directory.CreateDirectory(dir.Combine("Applications")).FullName;
            await OtherUser.ChownAsync(downloadsA, UserA);
            await OtherUser.ChownAsync(downloadsB, UserB);
            var daemon = await DaemonProcess.StartAsync(dir, new DaemonStart
            {
                QuietWindowSeconds = 0.2,
                Roots = [downloadsA, downloadsB, applications],
                Arguments =
                [
                    "--allow-user", UserA.ToString(CultureInfo.InvariantCulture), "--allow-user", UserB.ToString(CultureInfo.InvariantCulture),
                    "--allow-user", Admin.ToString(CultureInfo.InvariantCulture), "--admin-group", AdminGroup.ToString(CultureInfo.InvariantCulture),
                ],
            });
            var homes = new Homes(daemon, downloadsA, downloadsB, applications);
            AppTree.Create(homes.AppA, "com.example.a");
            AppTree.Create(homes.AppB, "com.example.b");
            AppTree.Create(homes.Shared, "com.example.shared");
            using var list = await daemon.PollJsonAsync(["list"], j => DaemonEndToEndTests.Bundles(j).Count() == 3, s_wait);
            foreach (var bundle in DaemonEndToEndTests.Bundles(list.RootElement))
            {
                homes.Ids[bundle.GetProperty("path").GetString()!] = bundle.GetProperty("id").GetInt64();
            }

            return homes;
        }

        public ValueTask DisposeAsync() => Daemon.DisposeAsync();
    }
}
