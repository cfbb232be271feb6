using System.Text.Json;
using Grpc.Core;
using Spectre.Console;
using SigWatch.Cli.Connection;
using SigWatch.Cli.Output;
using SigWatch.Protos.V1;

namespace SigWatch.Cli.Commands.Events;

/// <summary>
/// Lists events after a cursor, or follows them live. With --json: one JSON object
/// <c>{"events": [...], "lastId": N}</c>; with --json --follow: one event object per line (NDJSON).
/// </summary>
internal sealed class EventsCommand(CliConsole console, string? socket, bool json, long after, bool follow, int limit)
{
    public Task<int> ExecuteAsync(CancellationToken cancellationToken)
    {
        if (after < 0 || limit < 0)
        {
            console.Error.WriteLine("sigwatch: --after and --limit must not be negative");
            return Task.FromResult(ExitCodes.Usage);
        }

        return DaemonCall.RunAsync(socket, console, async connection =>
        {
            if (!follow)
            {
                var response = await connection.Client.ListEventsAsync(
                    new ListEventsRequest { AfterId = after, Limit = limit },
                    DaemonConnection.Unary(cancellationToken)).ConfigureAwait(false);
                if (json)
                {
                    var output = new EventListJson([.. response.Events.Select(JsonMapping.ToJson)], response.LastId);
                    console.Out.WriteLine(JsonSerializer.Serialize(output, CliJsonContext.Relaxed.EventListJson));
                }
                else
                {
                    foreach (var ev in response.Events)
                    {
                        WriteLine(ev);
                    }

                    if (response.Events.Count == 0)
                    {
                        console.Out.WriteLine(after == 0 ? "No events yet." : $"No events after {after}.");
                    }
                }

                return ExitCodes.Ok;
            }

            using var call = connection.Client.WatchEvents(new WatchEventsRequest { AfterId = after }, cancellationToken: cancellationToken);
            var last = after;
            try
            {
                await foreach (var ev in call.ResponseStream.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                {
                    last = ev.Id;
                    if (json)
                    {
                        console.Out.WriteLine(JsonSerializer.Serialize(JsonMapping.ToJson(ev), CliJsonContext.Compact.EventJson));
                    }
                    else
                    {
                        WriteLine(ev);
                    }

                    await console.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return ExitCodes.Ok;
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.Internal or StatusCode.Unknown && !cancellationToken.IsCancellationRequested)
            {
                // The connection broke: the daemon crashed or was killed.
                return StreamEnded(connection, last, $"the connection to sigwatchd broke ({e.Status.Detail})");
            }

            if (cancellationToken.IsCancellationRequested)
            {
                return ExitCodes.Ok;
            }

            // The daemon ends every stream with OK when it stops: a follow must never just end.
            return StreamEnded(connection, last, "sigwatchd ended the event stream (it is stopping or restarting)");
        });
    }

    private int StreamEnded(DaemonConnection connection, long last, string why)
    {
        console.Error.WriteLine($"sigwatch: {why} at {connection.SocketPath}; no events are missed: resume with `sigwatch events --follow --after {last}`; if it does not come back, run `sigwatch doctor`.");
        return ExitCodes.DaemonUnreachable;
    }

    private void WriteLine(Event ev)
    {
        // One line per event, so `grep` and `tail` work on it; CRITICAL stands out on a terminal.
        var severity = Styles.Severity(ev.Severity);
        var flags = ev.Flags.Count == 0 ? string.Empty : $" [[{Styles.Escape(string.Join(", ", ev.Flags))}]]";
        console.Ansi.MarkupLine(
            $"#{ev.Id}  {Format.Time(JsonMapping.Time(ev.Time))}  {Styles.Escape(ev.KindName.PadRight(18))}  {Styles.Escape(ev.BundlePath)}  " +
            $"{(severity.Length == 0 ? string.Empty : severity + ": ")}{Styles.Escape(ev.Summary)}{flags}");
    }
}
