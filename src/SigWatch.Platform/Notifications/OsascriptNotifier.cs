using System.Runtime.Versioning;

namespace SigWatch.Platform.Notifications;

/// <summary>
/// macOS: <c>/usr/bin/osascript</c> running a fixed script whose <c>on run argv</c> handler shows its arguments with
/// <c>display notification</c> (macos-integration.md §9). The title and text travel as argv, never as AppleScript source,
/// so nothing in an event (a bundle name, a path) can become code. The title comes first: osascript stops reading its own
/// options at the first argument, so a text starting with "-" is still text. Shown as coming from Script Editor, subject
/// to the user's notification settings and Focus.
/// </summary>
public sealed class OsascriptNotifier : INotifier
{
    public const string Executable = "/usr/bin/osascript";

    private static readonly string[] s_script =
    [
        "-e", "on run argv",
        "-e", "display notification (item 2 of argv) with title (item 1 of argv)",
        "-e", "end run",
    ];

    public string Name => "osascript display notification";

    [SupportedOSPlatform("macos")]
    public Task PostAsync(DesktopNotification notification, CancellationToken cancellationToken) =>
        NotifierProcess.RunAsync(Executable, Arguments(notification), cancellationToken);

    /// <summary>osascript's argv: the fixed script, then the title and the text as its run handler's arguments.</summary>
    internal static IReadOnlyList<string> Arguments(DesktopNotification notification)
    {
        ArgumentNullException.ThrowIfNull(notification);
        return [.. s_script, notification.Title, notification.Body];
    }
}
