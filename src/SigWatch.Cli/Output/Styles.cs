using Spectre.Console;

namespace SigWatch.Cli.Output;

/// <summary>
/// The emphasis every command uses for the same things, as Spectre markup (shown only where <see cref="CliConsole.Ansi"/>
/// has colour): CRITICAL and INVALID bold red, warnings and UNSIGNED yellow, VALID and ok green.
/// </summary>
internal static class Styles
{
    public static string Escape(string? text) => Markup.Escape(text ?? string.Empty);

    /// <summary>An event's or finding's severity in capitals; "info" is shown as nothing.</summary>
    public static string Severity(string? severity) => severity switch
    {
        "critical" => "[bold red]CRITICAL[/]",
        "error" => "[red]ERROR[/]",
        "warning" => "[yellow]WARNING[/]",
        null or "" or "info" => string.Empty,
        _ => Escape(severity.ToUpperInvariant()),
    };

    public static string Bold(string? text) => $"[bold]{Escape(text)}[/]";

    public static string Dim(string? text) => $"[dim]{Escape(text)}[/]";

    public static string Good(string? text) => $"[green]{Escape(text)}[/]";

    public static string Bad(string? text) => $"[bold red]{Escape(text)}[/]";

    public static string Warn(string? text) => $"[yellow]{Escape(text)}[/]";

    /// <summary>Rows of "key  value" aligned on the key column (markup in both), without borders.</summary>
    public static Grid KeyValues(IEnumerable<(string Key, string Value)> rows, int indent = 2)
    {
        var grid = new Grid();
        grid.AddColumn(new GridColumn().PadLeft(indent).PadRight(1).NoWrap());
        grid.AddColumn(new GridColumn().PadLeft(0).PadRight(0));
        foreach (var (key, value) in rows)
        {
            grid.AddRow(new Markup(key), new Markup(value));
        }

        return grid;
    }
}
