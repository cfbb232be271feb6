using System.CommandLine;
using SigWatch.Cli.Output;

namespace SigWatch.Cli.Commands.List;

internal static class ListCommandDefinition
{
    public static Command Create(CliConsole console)
    {
        var json = CommonOptions.Json();
        var socket = CommonOptions.Socket();
        var all = new Option<bool>("--all") { Description = "Include bundles that have been removed from disk." };
        var root = new Option<string?>("--root") { Description = "Only bundles under this watched root (an unknown root is an error).", HelpName = "PATH" };
        var contains = new Option<string?>("--contains") { Description = "Only bundles whose path contains this text (case-sensitive).", HelpName = "TEXT" };
        var verdict = new Option<string?>("--verdict") { Description = "Only bundles with this verdict: valid, invalid or unsigned.", HelpName = "VERDICT" };
        verdict.AcceptOnlyFromAmong(ListFilter.Verdicts);
        var unsigned = new Option<bool>("--unsigned") { Description = "Only unsigned bundles (same as --verdict unsigned)." };
        var team = new Option<string?>("--team") { Description = "Only bundles signed by this Team ID.", HelpName = "TEAMID" };
        var identifier = new Option<string?>("--identifier") { Description = "Only bundles with this CFBundleIdentifier.", HelpName = "ID" };
        var quarantined = new Option<bool>("--quarantined") { Description = "Only bundles that carry com.apple.quarantine." };
        var search = new Option<string?>("--search") { Description = "Only bundles whose path, identifier, name or team contains this text (any case).", HelpName = "TEXT" };
        var kind = new Option<string?>("--kind")
        {
            Description = "Only this kind: bundle (an app), disk-image, installer-package or archive (downloads directly in a root).",
            HelpName = "KIND",
        };
        kind.AcceptOnlyFromAmong(ListFilter.Kinds);
        var command = new Command("list", "List the bundles and downloads the daemon knows with their verdicts, problems first.")
        {
            json, socket, all, root, contains, verdict, unsigned, team, identifier, quarantined, search, kind,
        };
        command.Validators.Add(result =>
        {
            if (result.GetValue(unsigned) && result.GetValue(verdict) is { } v && v != "unsigned")
            {
                result.AddError($"--unsigned and --verdict {v} contradict each other");
            }
        });
        command.SetAction((parse, cancellationToken) =>
        {
            var filter = new ListFilter(
                parse.GetValue(unsigned) ? "unsigned" : parse.GetValue(verdict),
                parse.GetValue(team), parse.GetValue(identifier), parse.GetValue(quarantined), parse.GetValue(search)) { Kind = parse.GetValue(kind) };
            return new ListCommand(console, parse.GetValue(socket), parse.GetValue(json), parse.GetValue(all), parse.GetValue(root), parse.GetValue(contains), filter)
                .ExecuteAsync(cancellationToken);
        });
        return command;
    }
}
