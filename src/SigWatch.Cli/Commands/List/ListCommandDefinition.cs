using System.CommandLine;
using SigWatch.Cli.Output;

namespace SigWatch.Cli.Commands.List;

internal static class ListCommandDefinition
{
    public static Command Create(CliConsole console)
    {
        var json = CommonOptions.Json();
        var socket = CommonOptions.Socket();
        var all = new Option<bool>("--all") { Description = "Include bundles that have been removed from disk." };
        var root = new Option<string?>("--root") { Description = "Only bundles under this watched root.", HelpName = "PATH" };
        var contains = new Option<string?>("--contains") { Description = "Only bundles whose path contains this text (case-sensitive).", HelpName = "TEXT" };
        var command = new Command("list", "List the bundles the daemon knows, with their latest assessment.") { json, socket, all, root, contains };
        command.SetAction((parse, cancellationToken) =>
            new ListCommand(console, parse.GetValue(socket), parse.GetValue(json), parse.GetValue(all), parse.GetValue(root), parse.GetValue(contains))
                .ExecuteAsync(cancellationToken));
        return command;
    }
}
