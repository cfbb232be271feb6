using SigWatch.Cli.Output;

namespace SigWatch.Cli.Tests;

/// <summary>Runs the CLI in-process with captured output, as in a pipe.</summary>
internal static class CliRunner
{
    public static (int Exit, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = CliApp.Run(args, new CliConsole(output, error, errorIsTerminal: false));
        return (exit, output.ToString(), error.ToString());
    }
}
