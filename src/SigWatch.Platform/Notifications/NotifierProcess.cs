using System.Diagnostics;

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
        var info = new ProcessStartInfo(executable)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(info) ?? throw new NotificationException($"{executable} could not be started");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new NotificationException($"{executable} could not be started: {e.Message}", e);
        }

        using (process)
        {
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(Timeout);
            try
            {
                await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                cancellationToken.ThrowIfCancellationRequested();
                throw new NotificationException($"{executable} did not finish within {Timeout.TotalSeconds} s");
            }

            await stdout.ConfigureAwait(false);
            var error = (await stderr.ConfigureAwait(false)).Trim();
            if (process.ExitCode != 0)
            {
                throw new NotificationException($"{executable} exited with {process.ExitCode}{(error.Length > 0 ? ": " + error : string.Empty)}");
            }
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
