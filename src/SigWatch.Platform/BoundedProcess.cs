using System.ComponentModel;
using System.Diagnostics;

namespace SigWatch.Platform;

/// <summary>What a program run by <see cref="BoundedProcess"/> left behind.</summary>
public sealed record ProcessOutcome(int ExitCode, string Stdout, string Stderr);

/// <summary>A program could not be started, or did not finish in time (it was killed).</summary>
public sealed class ProcessRunException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Runs a helper program (osascript, notify-send, systemctl, launchctl) with its arguments as an argv array — never
/// through a shell — stdin closed, output captured, and bounded in time: one that outlives its timeout is killed.
/// </summary>
public static class BoundedProcess
{
    /// <exception cref="ProcessRunException">It could not be started or did not finish within <paramref name="timeout"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (the program is killed).</exception>
    public static async Task<ProcessOutcome> RunAsync(string executable, IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken cancellationToken)
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
            process = Process.Start(info) ?? throw new ProcessRunException($"{executable} could not be started");
        }
        catch (Win32Exception e)
        {
            throw new ProcessRunException($"{executable} could not be started: {e.Message}", e);
        }

        using (process)
        {
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bounded.CancelAfter(timeout);
            try
            {
                await process.WaitForExitAsync(bounded.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                cancellationToken.ThrowIfCancellationRequested();
                throw new ProcessRunException($"{executable} did not finish within {timeout.TotalSeconds} s");
            }

            return new ProcessOutcome(process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
        }
    }
}
