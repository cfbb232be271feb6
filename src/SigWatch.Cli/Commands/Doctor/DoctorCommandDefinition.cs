using System.CommandLine;
using SigWatch.Cli.Output;

namespace SigWatch.Cli.Commands.Doctor;

internal static class DoctorCommandDefinition
{
    public static Command Create(CliConsole console)
    {
        var json = CommonOptions.Json();
        var socket = CommonOptions.Socket();
        var command = new Command("doctor", "Find out what is wrong: service, socket, permission, roots, database, agent, versions; each with a remedy. Exit 1 if anything failed.")
        {
            json, socket,
        };
        command.SetAction((parse, cancellationToken) =>
            new DoctorCommand(console, parse.GetValue(socket), parse.GetValue(json)).ExecuteAsync(cancellationToken));
        return command;
    }
}
