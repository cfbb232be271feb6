using SigWatch.Platform.Notifications;
using SigWatch.TestSupport;

namespace SigWatch.Platform.Tests.Notifications;

/// <summary>The notifiers: text travels as arguments, never as code; the right mechanism is chosen for the system.</summary>
public sealed class NotifierTests
{
    // A text that a shell or AppleScript would act on if it were ever interpolated.
    private const string Hostile = "-x \"quoted\" $(touch pwned) `id` \" & do shell script \"id\" & \"";

    [Fact]
    public void Osascript_TheScriptIsFixed_TitleAndTextAreItsArguments()
    {
        var argv = OsascriptNotifier.Arguments(new DesktopNotification("SigWatch", Hostile, NotificationUrgency.Critical));
        Assert.Equal(["-e", "on run argv", "-e", "display notification (item 2 of argv) with title (item 1 of argv)", "-e", "end run", "SigWatch", Hostile], argv);
    }

    [LinuxFact]
    public async Task NotifySend_PassesTitleAndTextAfterDoubleDash_AsTheyAre()
    {
        using var dir = new TempDirectory();
        var record = dir.Combine("argv");
        var script = dir.Combine("notify-send");
        await File.WriteAllTextAsync(script, $"#!/bin/sh\ncd '{dir.Path}'\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > '{record}'\n");
        File.SetUnixFileMode(script, (UnixFileMode)Convert.ToInt32("755", 8));

        await new NotifySendNotifier(script).PostAsync(new DesktopNotification("A copied app's seal broke", Hostile, NotificationUrgency.Critical), CancellationToken.None);

        Assert.Equal(["--app-name=SigWatch", "--urgency=critical", "--", "A copied app's seal broke", Hostile], await File.ReadAllLinesAsync(record));
        Assert.False(File.Exists(dir.Combine("pwned")));
    }

    [LinuxFact]
    public async Task NotifySend_ThatFails_IsANotificationExceptionWithItsExitCodeAndError()
    {
        using var dir = new TempDirectory();
        var script = dir.Combine("notify-send");
        await File.WriteAllTextAsync(script, "#!/bin/sh\necho 'no display' >&2\nexit 3\n");
        File.SetUnixFileMode(script, (UnixFileMode)Convert.ToInt32("755", 8));
        var e = await Assert.ThrowsAsync<NotificationException>(() =>
            new NotifySendNotifier(script).PostAsync(new DesktopNotification("t", "b", NotificationUrgency.Normal), CancellationToken.None));
        Assert.Equal($"{script} exited with 3: no display", e.Message);
    }

    [LinuxFact]
    public void Choose_Auto_PrefersTheSessionBus_ThenNotifySendOnPath_ThenTheLog()
    {
        using var dir = new TempDirectory();
        var script = dir.Combine("notify-send");
        File.WriteAllText(script, "#!/bin/sh\n");
        File.SetUnixFileMode(script, (UnixFileMode)Convert.ToInt32("755", 8));
        string? Env(string name, string? bus, string path) => name switch { "DBUS_SESSION_BUS_ADDRESS" => bus, "PATH" => path, _ => null };

        Assert.IsType<FreedesktopNotifier>(Notifiers.Choose("auto", n => Env(n, "unix:path=/run/user/1/bus", dir.Path), TextWriter.Null));
        Assert.Equal($"notify-send ({script})", Notifiers.Choose("auto", n => Env(n, null, "/nonexistent:" + dir.Path), TextWriter.Null).Name);
        Assert.IsType<LogNotifier>(Notifiers.Choose("auto", n => Env(n, null, "/nonexistent"), TextWriter.Null));
        Assert.Throws<ArgumentException>(() => Notifiers.Choose("dbus", n => Env(n, null, dir.Path), TextWriter.Null));
        Assert.Throws<ArgumentException>(() => Notifiers.Choose("osascript", n => Env(n, null, dir.Path), TextWriter.Null));
        Assert.Throws<ArgumentException>(() => Notifiers.Choose("carrier-pigeon", n => null, TextWriter.Null));
    }

    [Fact]
    public async Task Log_WritesOneLineWithUrgencyTitleAndText()
    {
        var log = new StringWriter();
        await new LogNotifier(log).PostAsync(new DesktopNotification("Title", "Body", NotificationUrgency.Critical), CancellationToken.None);
        Assert.Equal("notification [critical] Title: Body" + Environment.NewLine, log.ToString());
    }
}
