using System.Text.Json;
using SigWatch.Cli.Connection;
using SigWatch.Cli.Output;
using SigWatch.Protos.V1;
using Spectre.Console;

namespace SigWatch.Cli.Commands.Rescan;

internal sealed class RescanCommand(CliConsole console, string? socket, bool json, string? target)
{
    public Task<int> ExecuteAsync(CancellationToken cancellationToken)
    {
        // The daemon keys bundles by absolute path without a trailing slash.
        var path = string.IsNullOrEmpty(target) ? null : Path.TrimEndingDirectorySeparator(Path.GetFullPath(target));
        return DaemonCall.RunAsync(socket, console, async connection =>
        {
            var control = new SigWatchControl.SigWatchControlClient(connection.Channel);
            var response = await control.RescanAsync(new RescanRequest { Path = path ?? string.Empty }, DaemonConnection.Unary(cancellationToken))
                .ConfigureAwait(false);
            if (json)
            {
                console.Out.WriteLine(JsonSerializer.Serialize(new RescanJson(path, response.Queued), CliJsonContext.Relaxed.RescanJson));
            }
            else
            {
                var what = path ?? "every watched root";
                console.Ansi.MarkupLineInterpolated($"queued {response.Queued} item(s) for assessment: {what}; follow with 'sigwatch events --follow'");
            }

            return ExitCodes.Ok;
        });
    }
}
