using System.CommandLine;
using SigWatch.Cli.Output;

namespace SigWatch.Cli.Commands.Version;

internal static class VersionCommandDefinition
{
    public static Command Create(CliConsole console)
    {
        var json = CommonOptions.Json();
        var socket = CommonOptions.Socket();
        var command = new Command("version", "Show the versions of sigwatch and of the daemon it talks to (commit, runtime, platform).") { json, socket };
        command.SetAction((parse, cancellationToken) =>
            new VersionCommand(console, parse.GetValue(socket), parse.GetValue(json)).ExecuteAsync(cancellationToken));
        return command;
    }
}
