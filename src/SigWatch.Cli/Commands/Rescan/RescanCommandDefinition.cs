using System.CommandLine;
using SigWatch.Cli.Output;

namespace SigWatch.Cli.Commands.Rescan;

internal static class RescanCommandDefinition
{
    public static Command Create(CliConsole console)
    {
        var json = CommonOptions.Json();
        var socket = CommonOptions.Socket();
        var path = new Argument<string?>("PATH")
        {
            Description = "A bundle, a folder directly in a watched root, or a root; every root when omitted.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var command = new Command("rescan", "Ask the daemon to assess again now (an admin action: root, the daemon's user, or an admin group).")
        {
            path, json, socket,
        };
        command.SetAction((parse, cancellationToken) =>
            new RescanCommand(console, parse.GetValue(socket), parse.GetValue(json), parse.GetValue(path)).ExecuteAsync(cancellationToken));
        return command;
    }
}
