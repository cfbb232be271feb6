namespace SigWatch.Platform.Notifications;

/// <summary>No desktop to post to: the notification becomes a line in the agent's log.</summary>
public sealed class LogNotifier(TextWriter log) : INotifier
{
    public string Name => "the agent's log (no desktop notification mechanism found)";

    public Task PostAsync(DesktopNotification notification, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notification);
        log.WriteLine($"notification [{notification.Urgency.ToString().ToLowerInvariant()}] {notification.Title}: {notification.Body}");
        return log.FlushAsync(cancellationToken);
    }
}
