using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using SigWatch.TestSupport;

namespace SigWatch.Daemon.Tests.Integration;

/// <summary>
/// <c>sigwatch agent</c> against the real daemon (issue 15): each qualifying event posted once across crashes and
/// restarts, bursts summarised, another user's Downloads never posted, and the freedesktop D-Bus interface used for real.
/// Events come from apps with a damaged executable arriving in an Applications root (a warning each).
/// </summary>
public sealed class DaemonAgentTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);

    [LinuxFact]
    public async Task Agent_PostsEachEventOnce_AcrossASigkillOfTheAgentAndARestartOfTheDaemon()
    {
        using var dir = new TempDirectory();
        var applications = Directory.CreateDirectory(dir.Combine("Applications")).FullName;
        var bin = AgentProcess.RecordingNotifySend(dir);
        var notes = dir.Combine("notifications");
        var start = new DaemonStart { QuietWindowSeconds = 0.2, Roots = [applications] };
        var daemon = await DaemonProcess.StartAsync(dir, start);
        try
        {
            var agent = await AgentProcess.StartAsync(daemon.Socket, dir.Combine("agent"), notes, bin);
            for (var i = 1; i <= 3; i++)
            {
                await ArriveAsync(applications, $"First{i}", agent, i);
            }

            // Killed with the cursor at event 3: two apps arrive while no agent runs.
            agent.Kill();
            await using (agent)
            {
            }

            AppTree.Create(Path.Combine(applications, "WhileDead1.app"), "com.example.dead1");
            await Task.Delay(700);
            AppTree.Create(Path.Combine(applications, "WhileDead2.app"), "com.example.dead2");
            await daemon.PollJsonAsync(["events"], j => DaemonEndToEndTests.Events(j).Count() == 5, s_wait);

            await using var restarted = await AgentProcess.StartAsync(daemon.Socket, dir.Combine("agent"), notes, bin);
            await restarted.WaitForNotificationsAsync(5);

            // The daemon restarts under the agent: it says so, reconnects, and carries on from its cursor.
            Assert.Equal(0, await daemon.TerminateAsync());
            await daemon.DisposeAsync();
            await restarted.WaitForLogAsync("sigwatchd ended the event stream", 1);
            daemon = await DaemonProcess.StartAsync(dir, start);
            await restarted.WaitForLogAsync("following sigwatchd", 2);
            await ArriveAsync(applications, "AfterRestart", restarted, 6);

            await Task.Delay(1000);
            var posted = restarted.Notifications();
            var names = posted.Select(n => n[3]).ToList();
            Assert.Equal(
                ["First1.app arrived and does not verify", "First2.app arrived and does not verify", "First3.app arrived and does not verify", "WhileDead1.app arrived and does not verify",
                    "WhileDead2.app arrived and does not verify", "AfterRestart.app arrived and does not verify"],
                names);
            Assert.All(posted, n => Assert.Equal(["--app-name=SigWatch", "--urgency=normal", "--"], n[..3]));
            Assert.Contains(Path.Combine(applications, "First1.app") + ": com.example.first1", posted[0][4], StringComparison.Ordinal);
        }
        finally
        {
            await daemon.DisposeAsync();
        }
    }

    [LinuxFact]
    public async Task Agent_ABurstOfEvents_IsOneSummaryNotAFlood()
    {
        using var dir = new TempDirectory();
        var applications = Directory.CreateDirectory(dir.Combine("Applications")).FullName;
        var staging = Directory.CreateDirectory(dir.Combine("staging")).FullName;
        var bin = AgentProcess.RecordingNotifySend(dir);
        await using var daemon = await DaemonProcess.StartAsync(dir, new DaemonStart { QuietWindowSeconds = 0.2, Roots = [applications] });
        // A window longer than twelve assessments take on a loaded machine: the test is about how events are grouped, not
        // about how fast they come.
        const int window = 5;
        await using var agent = await AgentProcess.StartAsync(daemon.Socket, dir.Combine("agent"), dir.Combine("notifications"), bin,
            arguments: ["--burst-window", window.ToString(CultureInfo.InvariantCulture)]);

        // Twelve apps land at once (an installer, a sync): assessed within one window.
        for (var i = 0; i < 12; i++)
        {
            AppTree.Create(Path.Combine(staging, $"Burst{i}.app"), $"com.example.burst{i}");
        }

        foreach (var app in Directory.GetDirectories(staging))
        {
            Directory.Move(app, Path.Combine(applications, Path.GetFileName(app)));
        }

        // Until all twelve were told (however slowly they were assessed), then one more window: nothing else may come.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (Counted(agent.Notifications()) < 12 && clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(200);
        }

        await Task.Delay(TimeSpan.FromSeconds(window + 1));
        var posted = agent.Notifications();

        // However the twelve fell into windows, every one was counted once, in two or three notifications rather than twelve.
        Assert.Equal(12, Counted(posted));
        Assert.InRange(posted.Count, 2, 3);

        // The first is posted at once; the rest, held for the window, arrive as one summary.
        int Counted(IReadOnlyList<string[]> notifications)
        {
            var total = 0;
            foreach (var notification in notifications)
            {
                if (notification[3].StartsWith("SigWatch: ", StringComparison.Ordinal))
                {
                    Assert.Contains($"changed in {applications}: bundle-appeared ×", notification[4], StringComparison.Ordinal);
                    total += int.Parse(notification[3].Split(' ')[1], CultureInfo.InvariantCulture);
                }
                else
                {
                    Assert.EndsWith(".app arrived and does not verify", notification[3], StringComparison.Ordinal);
                    total++;
                }
            }

            return total;
        }
    }

    [LinuxFact]
    public async Task Doctor_SeesTheAgentOfTheDaemonItAsks_AndNotAnAgentOfAnotherDaemon()
    {
        using var dir = new TempDirectory();
        var bin = AgentProcess.RecordingNotifySend(dir);
        await using var daemon = await DaemonProcess.StartAsync(dir, new DaemonStart { Roots = [Directory.CreateDirectory(dir.Combine("root")).FullName] });
        await using var agent = await AgentProcess.StartAsync(daemon.Socket, dir.Combine("agent"), dir.Combine("notifications"), bin);

        var here = await daemon.CliAsync("doctor", "--json");
        using (var json = JsonDocument.Parse(here.Stdout))
        {
            var check = AgentCheck(json);
            Assert.Equal("ok", check.GetProperty("outcome").GetString());
        }

        var elsewhere = dir.Combine("another.sock");
        var there = await Programs.RunCliAsync(["doctor", "--json", "--socket", elsewhere]);
        using (var json = JsonDocument.Parse(there.Stdout))
        {
            var check = AgentCheck(json);
            Assert.Equal("unknown", check.GetProperty("outcome").GetString());
            Assert.Contains($"talks to {daemon.Socket}, not {elsewhere}", check.GetProperty("summary").GetString(), StringComparison.Ordinal);
            Assert.Equal($"sigwatch agent --socket {elsewhere}", check.GetProperty("remedy").GetString());
        }

        static JsonElement AgentCheck(JsonDocument json) =>
            json.RootElement.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "agent");
    }

    [LinuxRootFact("to run the agent as another user with setpriv")]
    public async Task Agent_OfAUser_NeverPostsAnotherUsersDownloads()
    {
        using var dir = new TempDirectory();
        var downloadsA = Directory.CreateDirectory(dir.Combine("home", "a", "Downloads")).FullName;
        var downloadsB = Directory.CreateDirectory(dir.Combine("home", "b", "Downloads")).FullName;
        await OtherUser.ChownAsync(downloadsA, 60001);
        await OtherUser.ChownAsync(downloadsB, 60002);
        var bin = AgentProcess.RecordingNotifySend(dir);
        var userDir = Directory.CreateDirectory(dir.Combine("a-state")).FullName;
        await OtherUser.ChownAsync(userDir, 60001);
        await using var daemon = await DaemonProcess.StartAsync(dir, new DaemonStart
        {
            QuietWindowSeconds = 0.2,
            Roots = [downloadsA, downloadsB],
            Arguments = ["--allow-user", "60001", "--allow-user", "60002"],
        });
        await using var agent = await AgentProcess.StartAsync(daemon.Socket, Path.Combine(userDir, "agent"), Path.Combine(userDir, "notifications"), bin,
            OtherUser.WithId(60001), arguments: ["--threshold", "info"]);

        // B's download first: had the stream not been filtered, A's agent would post it before A's own.
        var b = AppTree.Create(Path.Combine(downloadsB, "ForB.app"), "com.example.forb");
        await daemon.PollJsonAsync(["events"], j => DaemonEndToEndTests.Events(j).Any(e => e.GetProperty("bundlePath").GetString() == b), s_wait);
        AppTree.Create(Path.Combine(downloadsA, "ForA.app"), "com.example.fora");
        var posted = await agent.WaitForNotificationsAsync(1);
        await Task.Delay(1000);
        posted = agent.Notifications();
        var only = Assert.Single(posted);
        Assert.Contains("ForA.app", only[4], StringComparison.Ordinal);
        Assert.DoesNotContain(posted, n => string.Join(' ', n).Contains("ForB", StringComparison.Ordinal));
    }

    [RequiresToolFact("dbus-daemon", "dbus")]
    public async Task Agent_OnASessionBus_PostsThroughTheFreedesktopNotificationsInterface()
    {
        using var dir = new TempDirectory();
        var applications = Directory.CreateDirectory(dir.Combine("Applications")).FullName;
        await using var bus = await SessionBus.StartAsync();
        await using var server = await RecordingNotificationServer.StartAsync(bus.Address);
        await using var daemon = await DaemonProcess.StartAsync(dir, new DaemonStart { QuietWindowSeconds = 0.2, Roots = [applications] });
        // No notify-send on PATH: the bus is the only way, and auto must find it.
        await using var agent = await AgentProcess.StartAsync(daemon.Socket, dir.Combine("agent"), dir.Combine("unused"), dir.Combine("no-bin"),
            environment: new Dictionary<string, string> { ["DBUS_SESSION_BUS_ADDRESS"] = bus.Address });
        Assert.Contains("with D-Bus org.freedesktop.Notifications on ", agent.Log, StringComparison.Ordinal);

        var app = AppTree.Create(Path.Combine(applications, "OnTheBus.app"), "com.example.bus");
        var received = await server.WaitForAsync(1, s_wait);
        var notification = Assert.Single(received);
        Assert.Equal("SigWatch", notification.AppName);
        Assert.Equal("OnTheBus.app arrived and does not verify", notification.Summary);
        Assert.StartsWith(app + ": com.example.bus", notification.Body, StringComparison.Ordinal);
        Assert.Equal((byte)1, notification.Urgency);
    }

    private static async Task ArriveAsync(string applications, string name, AgentProcess agent, int expectedTotal)
    {
        AppTree.Create(Path.Combine(applications, name + ".app"), "com.example." + name.ToLowerInvariant());
        await agent.WaitForNotificationsAsync(expectedTotal);
    }
}
