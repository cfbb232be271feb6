using System.CommandLine;
using SigWatch.Cli.Output;

namespace SigWatch.Cli.Commands.Completion;

internal static class CompletionCommandDefinition
{
    public static Command Create(CliConsole console)
    {
        var shell = new Argument<string>("shell") { Description = "bash, zsh or fish." };
        shell.AcceptOnlyFromAmong(CompletionScript.Shells);
        var command = new Command("completion", "Print a completion script for your shell, made from this sigwatch's commands and options. " +
            "bash: source <(sigwatch completion bash); zsh: source <(sigwatch completion zsh); fish: sigwatch completion fish | source")
        {
            shell,
        };
        command.SetAction(parse =>
        {
            // The tree the script describes is the one this process parses with: never out of date.
            var root = CliApp.BuildRootCommand(console);
            console.Out.Write(CompletionScript.For(parse.GetValue(shell)!, root));
            return ExitCodes.Ok;
        });
        return command;
    }
}
