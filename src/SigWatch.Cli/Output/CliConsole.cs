namespace SigWatch.Cli.Output;

/// <summary>
/// Where a command writes. Commands never touch <see cref="Console"/> directly, so tests can capture
/// output and so progress bars appear only when stderr is a terminal.
/// </summary>
internal sealed class CliConsole(TextWriter output, TextWriter error, bool errorIsTerminal)
{
    public static CliConsole System { get; } = new(Console.Out, Console.Error, !Console.IsErrorRedirected);

    public TextWriter Out { get; } = output;

    public TextWriter Error { get; } = error;

    /// <summary>True when stderr is an interactive terminal (progress output is allowed there only).</summary>
    public bool ErrorIsTerminal { get; } = errorIsTerminal;
}
