using System.CommandLine;
using SigWatch.Cli.Output;

namespace SigWatch.Cli;

/// <summary>
/// Builds the command tree from one definition per command folder (Commands/&lt;Verb&gt;/) and maps
/// parse errors to exit code 2. Each definition owns its syntax; each command class owns its behaviour.
/// </summary>
internal static class CliApp
{
    /// <summary>Plain text even on a terminal (as NO_COLOR=1 does); accepted by every command.</summary>
    public static readonly Option<bool> NoColorOption = new("--no-color")
    {
        Description = "No colour or emphasis, even on a terminal (also: NO_COLOR=1).",
        Recursive = true,
    };

    public static RootCommand BuildRootCommand(CliConsole console)
    {
        var root = new RootCommand(
            "sigwatch: what the apps on this machine are, and whether their signatures still say so.\n\n" +
            "Exit codes: 0 ok (check: valid), 1 not valid or the request failed, 2 usage error, 3 the daemon is unreachable " +
            "(run `sigwatch doctor`), 4 permission denied, 5 cannot read the path.");
        root.Options.Add(NoColorOption);
        foreach (var command in CreateCommands(console))
        {
            root.Subcommands.Add(command);
        }

        return root;
    }

    private static IEnumerable<Command> CreateCommands(CliConsole console)
    {
        // One line per command folder; keep alphabetical.
        yield return Commands.Agent.AgentCommandDefinition.Create(console);
        yield return Commands.Check.CheckCommandDefinition.Create(console);
        yield return Commands.Completion.CompletionCommandDefinition.Create(console);
        yield return Commands.Doctor.DoctorCommandDefinition.Create(console);
        yield return Commands.Events.EventsCommandDefinition.Create(console);
        yield return Commands.List.ListCommandDefinition.Create(console);
        yield return Commands.Rescan.RescanCommandDefinition.Create(console);
        yield return Commands.Show.ShowCommandDefinition.Create(console);
        yield return Commands.Status.StatusCommandDefinition.Create(console);
        yield return Commands.Version.VersionCommandDefinition.Create(console);
    }

    public static int Run(string[] args, CliConsole console)
    {
        var root = BuildRootCommand(console);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                console.Error.WriteLine($"sigwatch: {error.Message}");
            }

            console.Error.WriteLine("Run 'sigwatch --help' for usage.");
            return ExitCodes.Usage;
        }

        console.NoColor |= parse.GetValue(NoColorOption);
        try
        {
            return parse.Invoke(new InvocationConfiguration { Output = console.Out, Error = console.Error });
        }
        finally
        {
            console.Out.Flush();
        }
    }
}
