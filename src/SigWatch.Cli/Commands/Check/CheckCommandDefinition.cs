using System.CommandLine;
using SigWatch.Cli.Output;

namespace SigWatch.Cli.Commands.Check;

/// <summary>Syntax of <c>sigwatch check PATH [--json]</c>; the behaviour is in <see cref="CheckCommand"/>.</summary>
internal static class CheckCommandDefinition
{
    public static readonly Argument<string> PathArgument = new("path")
    {
        Description = "A Mach-O file (thin or universal) to verify. Bundles are checked by the seal module.",
    };

    public static readonly Option<bool> JsonOption = new("--json")
    {
        Description = "Write the result as JSON (schema: docs/check-json.md).",
    };

    public static readonly Option<bool> NativeOption = new("--native")
    {
        Description = "Verify with Apple's Security framework instead (macOS only; files and bundles). JSON: docs/check-json.md, \"Native\".",
    };

    public static Command Create(CliConsole console)
    {
        var command = new Command("check", "Verify a code signature in-process, offline, without the daemon.")
        {
            PathArgument,
            JsonOption,
            NativeOption,
        };
        command.SetAction(parse => new CheckCommand(console, parse.GetValue(PathArgument)!, parse.GetValue(JsonOption),
            parse.GetValue(NativeOption)).Execute());
        return command;
    }
}
