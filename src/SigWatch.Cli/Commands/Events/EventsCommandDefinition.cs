using System.CommandLine;
using SigWatch.Cli.Output;

namespace SigWatch.Cli.Commands.Events;

internal static class EventsCommandDefinition
{
    /// <summary>The most events one call may ask for (the daemon pages; this bounds what the CLI holds).</summary>
    public const int MaxLimit = 100_000;

    /// <summary>One token as a whole number in [min, max], or a parse error that says which option wanted what.</summary>
    private static long WholeNumber(System.CommandLine.Parsing.ArgumentResult result, string option, string what, long min, long max)
    {
        var token = result.Tokens.Count == 1 ? result.Tokens[0].Value : string.Empty;
        if (long.TryParse(token, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        result.AddError($"{option} takes {what}, a whole number from {min} to {max}, not '{token}'");
        return min;
    }

    public static Command Create(CliConsole console)
    {
        var json = CommonOptions.Json();
        var socket = CommonOptions.Socket();
        var after = new Option<long>("--after")
        {
            Description = "Only events with an id greater than N (a cursor).",
            HelpName = "N",
            CustomParser = result => WholeNumber(result, "--after", "an event id", 0, long.MaxValue),
        };
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep running and print new events as they happen (Ctrl+C to stop)." };
        var limit = new Option<int>("--limit")
        {
            Description = $"At most N events, 1 to {MaxLimit} (without --follow; default 500).",
            HelpName = "N",
            CustomParser = result => (int)WholeNumber(result, "--limit", "a number of events", 1, MaxLimit),
        };
        var command = new Command("events", "Show events (bundle appeared, changed, removed), oldest first.") { json, socket, after, follow, limit };
        command.SetAction((parse, cancellationToken) =>
            new EventsCommand(console, parse.GetValue(socket), parse.GetValue(json), parse.GetValue(after), parse.GetValue(follow), parse.GetValue(limit))
                .ExecuteAsync(cancellationToken));
        return command;
    }
}
