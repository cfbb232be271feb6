namespace SigWatch.Platform.Notifications;

/// <summary>Chooses how to post notifications on this system, or the one asked for.</summary>
public static class Notifiers
{
    /// <summary>The names <see cref="Choose"/> accepts.</summary>
    public static IReadOnlyList<string> Names { get; } = ["auto", "osascript", "dbus", "notify-send", "log"];

    /// <summary>
    /// <c>auto</c>: osascript on macOS; on Linux the session bus when DBUS_SESSION_BUS_ADDRESS names one, else notify-send
    /// when it is on PATH, else the log.
    /// </summary>
    /// <exception cref="ArgumentException">An unknown name, or a mechanism this system does not have.</exception>
    public static INotifier Choose(string name, Func<string, string?> environment, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var bus = environment("DBUS_SESSION_BUS_ADDRESS");
        var notifySend = NotifierProcess.FindOnPath("notify-send", environment);
        switch (name)
        {
            case "osascript" when OperatingSystem.IsMacOS():
                return new OsascriptNotifier();
            case "osascript":
                throw new ArgumentException("osascript notifications exist only on macOS");
            case "dbus" when bus is { Length: > 0 }:
                return new FreedesktopNotifier(bus);
            case "dbus":
                throw new ArgumentException("no session bus: DBUS_SESSION_BUS_ADDRESS is not set");
            case "notify-send" when notifySend is not null:
                return new NotifySendNotifier(notifySend);
            case "notify-send":
                throw new ArgumentException("notify-send is not on PATH (Debian package libnotify-bin)");
            case "log":
                return new LogNotifier(log);
            case "auto":
                break;
            default:
                throw new ArgumentException($"unknown notifier '{name}' (one of {string.Join(", ", Names)})");
        }

        if (OperatingSystem.IsMacOS())
        {
            return new OsascriptNotifier();
        }

        if (bus is { Length: > 0 })
        {
            return new FreedesktopNotifier(bus);
        }

        return notifySend is not null ? new NotifySendNotifier(notifySend) : new LogNotifier(log);
    }
}
