using System.CommandLine;
using SigWatch.Cli.Output;

namespace SigWatch.Cli.Commands.Check;

/// <summary>Syntax of <c>sigwatch check PATH [--json]</c>; the behaviour is in <see cref="CheckCommand"/>.</summary>
internal static class CheckCommandDefinition
{
    public static readonly Argument<string> PathArgument = new("path")
    {
        Description = "A Mach-O file (thin or universal) or a bundle directory (.app, .framework, …) to verify.",
    };

    public static readonly Option<string?> CacheOption = new("--cache")
    {
        Description = "Bundles: keep per-file digests in FILE between runs; unchanged files are not hashed again.",
        HelpName = "FILE",
    };

    public static readonly Option<bool> FullOption = new("--full")
    {
        Description = "Bundles: hash every file even when the cache knows it (the cache is still refreshed).",
    };

    public static readonly Option<bool> JsonOption = new("--json")
    {
        Description = "Write the result as JSON (schema: docs/check-json.md).",
    };

    public static Command Create(CliConsole console)
    {
        var command = new Command("check", "Verify a code signature in-process, offline, without the daemon.")
        {
            PathArgument,
            JsonOption,
            CacheOption,
            FullOption,
        };
        command.SetAction(parse => new CheckCommand(console, parse.GetValue(PathArgument)!, parse.GetValue(JsonOption),
            parse.GetValue(CacheOption), parse.GetValue(FullOption)).Execute());
        return command;
    }
}
