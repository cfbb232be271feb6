using System.Text.Json;
using SigWatch.Cli.Connection;
using SigWatch.Cli.Output;
using SigWatch.Protos.V1;

namespace SigWatch.Cli.Commands.Status;

internal sealed class StatusCommand(CliConsole console, string? socket, bool json)
{
    public Task<int> ExecuteAsync(CancellationToken cancellationToken) =>
        DaemonCall.RunAsync(socket, console, async connection =>
        {
            var status = await connection.Client.GetStatusAsync(new GetStatusRequest(), DaemonConnection.Unary(cancellationToken)).ConfigureAwait(false);
            if (json)
            {
                console.Out.WriteLine(JsonSerializer.Serialize(JsonMapping.ToJson(status), CliJsonContext.Relaxed.StatusJson));
                return ExitCodes.Ok;
            }

            var o = console.Out;
            o.WriteLine($"sigwatchd {status.Version} (pid {status.Pid}), running since {Format.Time(JsonMapping.Time(status.StartedAt))}");
            o.WriteLine($"  socket:    {status.SocketPath}");
            o.WriteLine($"  database:  {status.DatabasePath} (schema {status.SchemaVersion})");
            o.WriteLine($"  bundles:   {status.BundleCount} present, {status.PendingAssessments} waiting for assessment");
            o.WriteLine($"  events:    last id {status.LastEventId}");
            o.WriteLine($"  quiet:     {status.QuietWindowMs} ms without activity before a bundle is assessed");
            if (status.Caller is { } caller)
            {
                o.WriteLine($"  you:       uid {caller.Uid}, {(caller.Admin ? "admin" : "not an admin")} ({caller.Role})");
            }

            o.WriteLine("  roots:");
            foreach (var root in status.Roots)
            {
                var state = root.Watching ? "watching" : "NOT watching";
                var problem = string.IsNullOrEmpty(root.Problem) ? string.Empty : $" ({root.Problem})";
                var count = root.Hidden ? "another user's Downloads, not shown to you" : $"{root.BundleCount} bundle(s)";
                if (root.Source)
                {
                    count += " (source of copies: no events)";
                }

                o.WriteLine($"    {root.Path}  {state}, {count}{problem}");
            }

            return ExitCodes.Ok;
        });
}
