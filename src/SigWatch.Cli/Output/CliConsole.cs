using Spectre.Console;

namespace SigWatch.Cli.Output;

/// <summary>
/// Where a command writes. Commands never touch <see cref="Console"/> directly, so tests can capture output, colour
/// appears only on a terminal (and never with <c>--no-color</c> or <c>NO_COLOR</c>), and progress is drawn only on a
/// terminal's stderr. Human output goes through <see cref="Ansi"/> (Spectre.Console); in a pipe no line ends in spaces.
/// </summary>
internal sealed class CliConsole
{
    /// <summary>Width for output that is not a terminal: wide enough that nothing a command writes is wrapped in a pipe.</summary>
    public const int RedirectedWidth = 4096;

    private IAnsiConsole? _ansi;
    private IAnsiConsole? _errorAnsi;

    public CliConsole(TextWriter output, TextWriter error, bool errorIsTerminal, bool outputIsTerminal = false, int? terminalWidth = null)
    {
        OutputIsTerminal = outputIsTerminal;
        ErrorIsTerminal = errorIsTerminal;
        Out = outputIsTerminal ? output : new TrailingSpaceTrimmingWriter(output);
        Error = error;
        TerminalWidth = terminalWidth;
        // https://no-color.org: any non-empty value turns colour off; TERM=dumb terminals cannot show it either.
        NoColor = !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"))
            || string.Equals(Environment.GetEnvironmentVariable("TERM"), "dumb", StringComparison.Ordinal);
    }

    public static CliConsole System { get; } = new(Console.Out, Console.Error, !Console.IsErrorRedirected, !Console.IsOutputRedirected,
        TryWindowWidth());

    public TextWriter Out { get; }

    public TextWriter Error { get; }

    /// <summary>True when stdout is an interactive terminal: colour and the terminal's width apply there only.</summary>
    public bool OutputIsTerminal { get; }

    /// <summary>True when stderr is an interactive terminal (progress output is allowed there only).</summary>
    public bool ErrorIsTerminal { get; }

    /// <summary>
    /// How long <c>check</c> works before it draws a progress bar: most checks end sooner and a bar that flashes for a
    /// moment is noise. Tests that assert "no bar" set it long, so a loaded machine cannot turn them into timing tests.
    /// </summary>
    public TimeSpan ProgressDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Columns of the terminal; null when unknown (80 is assumed).</summary>
    public int? TerminalWidth { get; }

    /// <summary>Set by <c>--no-color</c>, <c>NO_COLOR</c> or <c>TERM=dumb</c>; read when <see cref="Ansi"/> is first used.</summary>
    public bool NoColor { get; set; }

    /// <summary>Spectre.Console bound to <see cref="Out"/>: colour on a terminal only, the terminal's width, never the global console.</summary>
    public IAnsiConsole Ansi => _ansi ??= Create(Out, OutputIsTerminal, interactive: false);

    /// <summary>Spectre.Console bound to <see cref="Error"/>; interactive (live progress) only on a terminal.</summary>
    public IAnsiConsole ErrorAnsi => _errorAnsi ??= Create(Error, ErrorIsTerminal, interactive: ErrorIsTerminal);

    private IAnsiConsole Create(TextWriter writer, bool terminal, bool interactive)
    {
        var colour = terminal && !NoColor;
        var ansi = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            // Cursor movement (progress) needs ANSI even when colour is off.
            Ansi = terminal ? AnsiSupport.Yes : AnsiSupport.No,
            ColorSystem = colour ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = interactive ? InteractionSupport.Yes : InteractionSupport.No,
        });
        ansi.Profile.Width = terminal ? Math.Max(TerminalWidth ?? 80, 40) : RedirectedWidth;
        return ansi;
    }

    private static int? TryWindowWidth()
    {
        try
        {
            return Console.IsOutputRedirected ? null : Console.WindowWidth is > 0 and var width ? width : null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
