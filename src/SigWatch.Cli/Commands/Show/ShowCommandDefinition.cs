using System.CommandLine;
using SigWatch.Cli.Output;

namespace SigWatch.Cli.Commands.Show;

internal static class ShowCommandDefinition
{
    public static Command Create(CliConsole console)
    {
        var json = CommonOptions.Json();
        var socket = CommonOptions.Socket();
        var path = new Argument<string>("PATH") { Description = "The bundle's path (or its numeric id with --id)." };
        var byId = new Option<bool>("--id") { Description = "Treat PATH as the bundle id shown by 'list'." };
        var history = new Option<bool>("--history") { Description = "Also show earlier assessments." };
        var command = new Command("show", "Show one bundle's latest assessment (and optionally its history).") { path, json, socket, byId, history };
        command.SetAction((parse, cancellationToken) =>
            new ShowCommand(console, parse.GetValue(socket), parse.GetValue(json), parse.GetValue(path)!, parse.GetValue(byId), parse.GetValue(history))
                .ExecuteAsync(cancellationToken));
        return command;
    }
}
