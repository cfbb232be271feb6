namespace SigWatch.Platform.Notifications;

/// <summary>How loudly a notification should be shown (freedesktop urgency levels: 0 low, 1 normal, 2 critical).</summary>
public enum NotificationUrgency
{
    Low = 0,
    Normal = 1,
    Critical = 2,
}

/// <summary>One desktop notification: a short title and the sentence to show.</summary>
public sealed record DesktopNotification(string Title, string Body, NotificationUrgency Urgency);

/// <summary>
/// Posts desktop notifications for the person at the computer. One small seam with an implementation per mechanism:
/// osascript on macOS, the freedesktop Notifications D-Bus interface or notify-send on Linux, the log otherwise.
/// </summary>
public interface INotifier
{
    /// <summary>What posts the notifications, for the agent's log (e.g. "D-Bus org.freedesktop.Notifications").</summary>
    string Name { get; }

    /// <summary>Posts <paramref name="notification"/>; returns once it was handed to the system.</summary>
    /// <exception cref="NotificationException">It could not be posted (what, and why).</exception>
    Task PostAsync(DesktopNotification notification, CancellationToken cancellationToken);
}

/// <summary>A notification that could not be posted.</summary>
public sealed class NotificationException(string message, Exception? inner = null) : Exception(message, inner);
