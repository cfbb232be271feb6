namespace SigWatch.Platform.Notifications;

/// <summary>
/// Linux without a reachable session bus of our own: <c>notify-send</c> (libnotify) from PATH, with the title and text as
/// arguments after <c>--</c>, so neither can be taken for an option.
/// </summary>
public sealed class NotifySendNotifier(string executable) : INotifier
{
    public string Name => $"notify-send ({executable})";

    public Task PostAsync(DesktopNotification notification, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notification);
        var urgency = notification.Urgency switch
        {
            NotificationUrgency.Low => "low",
            NotificationUrgency.Critical => "critical",
            _ => "normal",
        };
        return NotifierProcess.RunAsync(executable, ["--app-name=SigWatch", $"--urgency={urgency}", "--", notification.Title, notification.Body], cancellationToken);
    }
}
