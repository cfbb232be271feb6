using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json;
using Grpc.Core;
using SigWatch.Cli.Connection;
using SigWatch.Cli.Output;
using SigWatch.Protos.V1;
using Spectre.Console;

namespace SigWatch.Cli.Commands.Version;

/// <summary>
/// The CLI's own version always (exit 0 even when no daemon answers: scripts ask "which sigwatch is this?"), and the
/// daemon's when one answers within a short deadline, with whether the two are the same build.
/// </summary>
internal sealed class VersionCommand(CliConsole console, string? socket, bool json)
{
    private static readonly TimeSpan DaemonDeadline = TimeSpan.FromSeconds(3);

    public static string CliVersion { get; } =
        typeof(VersionCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    public async Task<int> ExecuteAsync(CancellationToken cancellationToken)
    {
        var cli = new ProgramVersionJson(
            CliVersion, Commit(CliVersion), Environment.Version.ToString(), RuntimeInformation.RuntimeIdentifier, RuntimeInformation.OSDescription);
        DaemonVersionJson? daemon = null;
        string? daemonError = null;
        using (var connection = DaemonConnection.Open(socket))
        {
            try
            {
                var status = await connection.Client.GetStatusAsync(
                    new GetStatusRequest(), deadline: DateTime.UtcNow + DaemonDeadline, cancellationToken: cancellationToken).ConfigureAwait(false);
                daemon = new DaemonVersionJson(status.Version, Commit(status.Version), connection.SocketPath, status.Pid, status.Version == CliVersion);
            }
            catch (RpcException e)
            {
                daemonError = $"no answer from {connection.SocketPath} ({e.StatusCode}); run `sigwatch doctor` to find out why";
            }
        }

        if (json)
        {
            console.Out.WriteLine(JsonSerializer.Serialize(new VersionJson(cli, daemon, daemonError), CliJsonContext.Relaxed.VersionJson));
            return ExitCodes.Ok;
        }

        console.Ansi.MarkupLineInterpolated($"sigwatch  {cli.Version} (.NET {cli.Runtime}, {cli.RuntimeIdentifier}, {cli.Os})");
        if (daemon is not null)
        {
            var same = daemon.SameBuild ? "the same build" : Styles.Warn("a different build from this sigwatch");
            console.Ansi.MarkupLine($"sigwatchd {Styles.Escape(daemon.Version)} at {Styles.Escape(daemon.Socket)} (pid {daemon.Pid}): {same}");
        }
        else
        {
            console.Ansi.MarkupLine($"sigwatchd: {Styles.Warn(daemonError)}");
        }

        return ExitCodes.Ok;
    }

    /// <summary>The commit SourceLink appends to the informational version ("1.0.0+sha"); null when absent.</summary>
    private static string? Commit(string version) =>
        version.IndexOf('+', StringComparison.Ordinal) is var plus and >= 0 && plus + 1 < version.Length ? version[(plus + 1)..] : null;
}
