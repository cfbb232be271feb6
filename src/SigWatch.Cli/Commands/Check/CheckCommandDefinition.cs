using SigWatch.Core.CodeSigning.Requirements;
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

    public static readonly Option<string?> RequirementOption = new("--requirement")
    {
        Description = "Also evaluate this code requirement (e.g. 'anchor apple generic and identifier \"com.example\"'); exit 1 when not satisfied, 2 on a syntax error.",
        HelpName = "EXPR",
    };

    public static readonly Option<FileInfo?> RequirementFileOption = new("--requirement-file")
    {
        Description = "Read the requirement to evaluate from FILE.",
        HelpName = "FILE",
    };

    public static readonly Option<bool> EntitlementsOption = new("--entitlements")
    {
        Description = "Also print the signature's entitlements (the XML plist, as codesign -d --entitlements :- does). JSON always has them.",
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
            RequirementOption,
            RequirementFileOption,
            EntitlementsOption,
            NativeOption,
            CacheOption,
            FullOption,
        };
        command.SetAction(parse =>
        {
            var requirement = parse.GetValue(RequirementOption);
            if (parse.GetValue(RequirementFileOption) is { } file)
            {
                if (requirement is not null)
                {
                    console.Error.WriteLine("sigwatch: give --requirement or --requirement-file, not both");
                    return ExitCodes.Usage;
                }

                try
                {
                    requirement = File.ReadAllText(file.FullName);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    console.Error.WriteLine($"sigwatch: cannot read requirement file {file.FullName}: {e.Message}");
                    return ExitCodes.Usage;
                }
            }

            // A requirement that does not compile is a usage error before anything is verified or printed.
            if (requirement is not null)
            {
                try
                {
                    RequirementParser.ParseAny(requirement);
                }
                catch (RequirementSyntaxException e)
                {
                    console.Error.WriteLine($"sigwatch: --requirement: syntax error at line {e.Line}, column {e.Column}: {e.Message}");
                    return ExitCodes.Usage;
                }
            }

            return new CheckCommand(console, parse.GetValue(PathArgument)!, parse.GetValue(JsonOption), parse.GetValue(NativeOption),
                parse.GetValue(CacheOption), parse.GetValue(FullOption))
            {
                Requirement = requirement,
                Entitlements = parse.GetValue(EntitlementsOption),
            }.Execute();
        });
        return command;
    }
}
