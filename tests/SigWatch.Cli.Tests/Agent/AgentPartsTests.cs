using SigWatch.Cli.Commands.Agent;
using SigWatch.Platform.Notifications;
using SigWatch.Protos.V1;
using SigWatch.TestSupport;

namespace SigWatch.Cli.Tests.Agent;

/// <summary>What the agent shows, and the cursor it resumes from.</summary>
public sealed class AgentPartsTests
{
    private static Event Ev(long id, string kind, string severity, string path, string summary) =>
        new() { Id = id, KindName = kind, Severity = severity, BundlePath = path, Summary = summary };

    [Fact]
    public void CopyBrokeSeal_IsShownAsItsOwnSentence_OtherKindsNameTheApp()
    {
        var copy = NotificationText.For(Ev(7, "copy-broke-seal", "critical", "/Applications/Slack.app",
            "Slack.app's seal broke when it was copied from /Volumes/Slack/Slack.app: 148 file names changed Unicode form (NFD → NFC) — copy it again with ditto"));
        Assert.Equal("A copied app's seal broke", copy.Title);
        Assert.StartsWith("Slack.app's seal broke when it was copied from /Volumes/Slack/Slack.app", copy.Body, StringComparison.Ordinal);
        Assert.Equal(NotificationUrgency.Critical, copy.Urgency);

        var broken = NotificationText.For(Ev(8, "seal-broken", "critical", "/Applications/Tool.app", "signature no longer valid: file-added Resources/x"));
        Assert.Equal("Tool.app no longer matches its signature", broken.Title);
        Assert.Equal("/Applications/Tool.app: signature no longer valid: file-added Resources/x", broken.Body);

        var longSummary = NotificationText.For(Ev(9, "bundle-changed", "warning", "/A.app", new string('x', 2000)));
        Assert.Equal(NotificationText.MaxBody, longSummary.Body.Length);
    }

    [Fact]
    public void Burst_SaysHowManyAppsWhereAndOfWhichKinds()
    {
        var events = Enumerable.Range(1, 12)
            .Select(i => Ev(100 + i, i <= 2 ? "copy-broke-seal" : "bundle-appeared", i <= 2 ? "critical" : "warning", $"/Applications/App{i}.app", "s"))
            .ToList();
        var burst = NotificationText.ForBurst(events);
        Assert.Equal("SigWatch: 12 events, 2 critical", burst.Title);
        Assert.Equal("12 apps changed in /Applications: bundle-appeared ×10, copy-broke-seal ×2. Details: sigwatch events --after 100", burst.Body);
        Assert.Equal(NotificationUrgency.Critical, burst.Urgency);
    }

    [Fact]
    public void Cursor_IsWrittenWholeAndReadBack_OneFilePerDaemon_GarbageIsReportedNotBelieved()
    {
        using var dir = new TempDirectory();
        var cursor = AgentCursor.For(dir.Combine("state"), "/run/sigwatch/sigwatchd.sock");
        Assert.Null(cursor.Read(out var none));
        Assert.Null(none);
        cursor.Write(42);
        Assert.Equal(42, cursor.Read(out _));
        Assert.False(File.Exists(cursor.Path + ".new"));
        Assert.NotEqual(cursor.Path, AgentCursor.For(dir.Combine("state"), "/tmp/other.sock").Path);

        File.WriteAllText(cursor.Path, "not a number");
        Assert.Null(cursor.Read(out var problem));
        Assert.Contains("does not hold an event id", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void LogFile_TildeIsTheUsersHome_CreatedPrivateAndAppendedTo()
    {
        using var home = new TempDirectory();
        using (var log = AgentLog.Open("~/Library/Logs/SigWatch/agent.log", home.Path))
        {
            log.WriteLine("first");
        }

        using (var log = AgentLog.Open("~/Library/Logs/SigWatch/agent.log", home.Path))
        {
            log.WriteLine("second");
        }

        var path = home.Combine("Library", "Logs", "SigWatch", "agent.log");
        Assert.Equal(["first", "second"], File.ReadAllLines(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(path)!));
    }
}
