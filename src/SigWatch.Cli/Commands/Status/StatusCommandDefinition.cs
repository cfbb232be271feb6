using System.CommandLine;
using SigWatch.Cli.Output;

namespace SigWatch.Cli.Commands.Status;

internal static class StatusCommandDefinition
{
    public static Command Create(CliConsole console)
    {
        var json = CommonOptions.Json();
        var socket = CommonOptions.Socket();
        var command = new Command("status", "Show the daemon's state: roots, bundle count, pending work, last event.") { json, socket };
        command.SetAction((parse, cancellationToken) =>
            new StatusCommand(console, parse.GetValue(socket), parse.GetValue(json)).ExecuteAsync(cancellationToken));
        return command;
    }
}
