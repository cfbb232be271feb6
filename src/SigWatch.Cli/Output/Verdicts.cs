using Spectre.Console;

namespace SigWatch.Cli.Output;

/// <summary>One vocabulary for verdicts in list, show and events: VALID, INVALID, UNSIGNED, and "-" when not verified.</summary>
internal static class Verdicts
{
    public static string Text(string? verdict) => string.IsNullOrEmpty(verdict) ? "-" : verdict.ToUpperInvariant();

    /// <summary>The verdict as Spectre markup: red and bold for INVALID, yellow for UNSIGNED, green for VALID (terminals only).</summary>
    public static string Markup(string? verdict) => verdict switch
    {
        "invalid" => "[bold red]INVALID[/]",
        "unsigned" => "[yellow]UNSIGNED[/]",
        "valid" => "[green]VALID[/]",
        _ => Spectre.Console.Markup.Escape(Text(verdict)),
    };
}
