using System.Text.Json;
using SigWatch.Cli.Connection;
using SigWatch.Cli.Output;
using SigWatch.Protos.V1;
using Spectre.Console;

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

            var a = console.Ansi;
            a.MarkupLine($"{Styles.Bold("sigwatchd " + status.Version)} (pid {status.Pid}), running since {Format.Time(JsonMapping.Time(status.StartedAt))}");
            var rows = new List<(string, string)>
            {
                ("socket:", Styles.Escape(status.SocketPath)),
                ("database:", Styles.Escape($"{status.DatabasePath} (schema {status.SchemaVersion})")),
                ("bundles:", Styles.Escape($"{status.BundleCount} present, {status.PendingAssessments} waiting for assessment")),
                ("events:", Styles.Escape($"last id {status.LastEventId}")),
                ("quiet:", Styles.Escape($"{status.QuietWindowMs} ms without activity before a bundle is assessed")),
            };
            rows.Add(("event log:", EventLogLine(status.EventLog)));
            rows.Add(("otlp:", ExporterLine(status.Otlp)));
            if (status.Caller is { } caller)
            {
                rows.Add(("you:", Styles.Escape($"uid {caller.Uid}, {(caller.Admin ? "admin" : "not an admin")} ({caller.Role})")));
            }

            a.Write(Styles.KeyValues(rows));
            a.WriteLine("  roots:");
            var roots = new Grid();
            roots.AddColumn(new Spectre.Console.GridColumn().PadLeft(4).PadRight(2).NoWrap());
            roots.AddColumn(new Spectre.Console.GridColumn().PadLeft(0).PadRight(0));
            foreach (var root in status.Roots)
            {
                var state = root.Watching ? Styles.Good("watching") : Styles.Bad("NOT watching");
                var problem = string.IsNullOrEmpty(root.Problem) ? string.Empty : $" ({Styles.Escape(root.Problem)})";
                var count = root.Hidden ? "another user's Downloads, not shown to you" : $"{root.BundleCount} bundle(s)";
                if (root.Source)
                {
                    count += " (source of copies: no events)";
                }

                roots.AddRow(new Markup(Styles.Escape(root.Path)), new Markup($"{state}, {Styles.Escape(count)}{problem}"));
            }

            a.Write(roots);
            return ExitCodes.Ok;
        });

    /// <summary>"events.ndjson at event 42 (3 behind)": where the log is, and whether it keeps up.</summary>
    internal static string EventLogLine(EventLogStatus? log)
    {
        if (log is null)
        {
            return Styles.Escape("(not reported by this daemon)");
        }

        if (!log.Enabled)
        {
            return Styles.Escape("off");
        }

        var line = Styles.Escape($"{log.Path} at event {log.LastEventId}, {Format.Size(log.FileBytes)}");
        if (!string.IsNullOrEmpty(log.LastError))
        {
            line += " " + Styles.Bad($"FAILING since {Format.Time(JsonMapping.Time(log.LastErrorAt))}: {log.LastError}");
        }

        return line;
    }

    internal static string ExporterLine(ExporterStatus? otlp)
    {
        if (otlp is null || !otlp.Enabled)
        {
            return Styles.Escape("off");
        }

        var when = JsonMapping.Time(otlp.LastSuccessAt) is { } success ? $"last success {Format.Time(success)}" : "nothing delivered yet";
        var detail = Styles.Escape($"{otlp.Endpoint} ({otlp.Protocol}), {when}, event {otlp.LastEventId}, {otlp.ExportedEvents} exported, " +
            $"{otlp.Backlog} waiting, {otlp.DroppedEvents} dropped");
        var state = otlp.State switch
        {
            "connected" => Styles.Good("connected"),
            "failing" => Styles.Bad("FAILING"),
            _ => Styles.Escape(otlp.State),
        };
        var error = string.IsNullOrEmpty(otlp.LastError) || otlp.State == "connected" ? string.Empty : " " + Styles.Bad($"({otlp.LastError})");
        return $"{state}: {detail}{error}";
    }
}
