namespace SigWatch.Platform.Notifications;

/// <summary>
/// Runs a notification helper (osascript, notify-send) with its arguments as an argv array — never through a shell and
/// never interpolated into a script — and waits, bounded, for it to finish.
/// </summary>
internal static class NotifierProcess
{
    internal static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public static async Task RunAsync(string executable, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        ProcessOutcome outcome;
        try
        {
            outcome = await BoundedProcess.RunAsync(executable, arguments, Timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (ProcessRunException e)
        {
            throw new NotificationException(e.Message, e);
        }

        var error = outcome.Stderr.Trim();
        if (outcome.ExitCode != 0)
        {
            throw new NotificationException($"{executable} exited with {outcome.ExitCode}{(error.Length > 0 ? ": " + error : string.Empty)}");
        }
    }

    /// <summary>The full path of <paramref name="name"/> on PATH, or null.</summary>
    public static string? FindOnPath(string name, Func<string, string?> environment)
    {
        foreach (var directory in (environment("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, name);
            if (File.Exists(candidate) && !OperatingSystem.IsWindows()
                && (File.GetUnixFileMode(candidate) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0)
            {
                return candidate;
            }
        }

        return null;
    }
}
