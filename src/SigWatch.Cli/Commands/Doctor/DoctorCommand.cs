using System.Text.Json;
using Spectre.Console;
using SigWatch.Cli.Connection;
using SigWatch.Cli.Output;

namespace SigWatch.Cli.Commands.Doctor;

/// <summary>
/// The first thing to run when something is wrong: each check prints [+] ok, [-] failed or [?] unknown, with a remedy
/// under anything that needs one. Exit 1 when any check failed, else 0. Checks that need the daemon are skipped
/// (as unknown) when it cannot be reached, which is itself the failure reported.
/// </summary>
internal sealed partial class DoctorCommand(CliConsole console, string? socket, bool json)
{
    public async Task<int> ExecuteAsync(CancellationToken cancellationToken)
    {
        var checks = new List<DoctorCheck>();
        using (var connection = DaemonConnection.Open(socket))
        {
            checks.Add(await ServiceCheckAsync(connection.SocketPath, cancellationToken).ConfigureAwait(false));
            checks.Add(SocketCheck(connection.SocketPath));
            checks.AddRange(await DaemonChecksAsync(connection, cancellationToken).ConfigureAwait(false));
            checks.Add(await AgentCheckAsync(connection.SocketPath, cancellationToken).ConfigureAwait(false));
        }

        var failed = checks.Any(c => c.Outcome == DoctorOutcome.Failed);
        if (json)
        {
            var output = new DoctorJson(!failed, [.. checks.Select(c => new DoctorCheckJson(c.Name, c.Outcome.ToString().ToLowerInvariant(), c.Summary, c.Remedy))]);
            console.Out.WriteLine(JsonSerializer.Serialize(output, CliJsonContext.Relaxed.DoctorJson));
        }
        else
        {
            foreach (var check in checks)
            {
                console.Ansi.MarkupLine($"{check.MarkMarkup} {Styles.Escape(check.Summary)}");
                if (check.Remedy is not null)
                {
                    console.Ansi.MarkupLine($"    {Styles.Escape(check.Remedy)}");
                }
            }

            var failures = checks.Count(c => c.Outcome == DoctorOutcome.Failed);
            console.Ansi.MarkupLine(failures == 0 ? Styles.Good("No problem found.") : Styles.Bad($"{failures} problem(s) found."));
        }

        return failed ? ExitCodes.Failed : ExitCodes.Ok;
    }
}
