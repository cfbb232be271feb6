using Spectre.Console;

namespace SigWatch.Cli.Output;

/// <summary>A Spectre.Console renderer bound to the command's output writer (never the global console).</summary>
internal static class Ansi
{
    /// <summary>Width used when output is not a terminal, so tables do not wrap paths at 80 columns in pipes and logs.</summary>
    public const int RedirectedWidth = 400;

    public static IAnsiConsole For(CliConsole console)
    {
        var output = new AnsiConsoleOutput(console.Out);
        var ansi = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = output,
            Ansi = AnsiSupport.Detect,
            ColorSystem = ColorSystemSupport.Detect,
            Interactive = InteractionSupport.No,
        });
        if (!output.IsTerminal)
        {
            ansi.Profile.Width = RedirectedWidth;
        }

        return ansi;
    }
}
