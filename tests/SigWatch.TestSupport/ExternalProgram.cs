using System.Diagnostics;

namespace SigWatch.TestSupport;

/// <summary>Runs a program (a build script, dpkg, lintian) to completion, bounded in time, capturing its output.</summary>
public static class ExternalProgram
{
    public static async Task<CliResult> RunAsync(
        string file, IEnumerable<string> args, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(file) { WorkingDirectory = RepoPaths.Root };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        return await RunAsync(info, timeout, $"{file} {string.Join(' ', info.ArgumentList)}").ConfigureAwait(false);
    }

    /// <summary>Starts <paramref name="info"/> (stdin closed, stdout and stderr redirected) and waits for it.</summary>
    /// <param name="description">What timed out, for the exception's message.</param>
    public static async Task<CliResult> RunAsync(ProcessStartInfo info, TimeSpan timeout, string description)
    {
        info.RedirectStandardInput = info.RedirectStandardOutput = info.RedirectStandardError = true;
        info.UseShellExecute = false;
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {info.FileName}");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{description} did not finish within {timeout}");
        }

        return new CliResult(process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
    }
}
