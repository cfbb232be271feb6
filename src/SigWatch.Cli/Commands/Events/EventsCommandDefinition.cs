using System.CommandLine;
using SigWatch.Cli.Output;

namespace SigWatch.Cli.Commands.Events;

internal static class EventsCommandDefinition
{
    public static Command Create(CliConsole console)
    {
        var json = CommonOptions.Json();
        var socket = CommonOptions.Socket();
        var after = new Option<long>("--after") { Description = "Only events with an id greater than N (a cursor).", HelpName = "N" };
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep running and print new events as they happen (Ctrl+C to stop)." };
        var limit = new Option<int>("--limit") { Description = "At most N events (without --follow; default 500).", HelpName = "N" };
        var command = new Command("events", "Show events (bundle appeared, changed, removed), oldest first.") { json, socket, after, follow, limit };
        command.SetAction((parse, cancellationToken) =>
            new EventsCommand(console, parse.GetValue(socket), parse.GetValue(json), parse.GetValue(after), parse.GetValue(follow), parse.GetValue(limit))
                .ExecuteAsync(cancellationToken));
        return command;
    }
}
