using System.CommandLine;

namespace SigWatch.Cli.Commands;

/// <summary>Options that several commands share; each command gets its own instances.</summary>
internal static class CommonOptions
{
    public static Option<bool> Json() => new("--json")
    {
        Description = "Write machine-readable JSON (schema in docs/cli-json.md) instead of text.",
    };

    public static Option<string?> Socket() => new("--socket")
    {
        Description = "Path of sigwatchd's Unix socket (default: $SIGWATCH_SOCKET, else this user's daemon, else the system daemon).",
        HelpName = "PATH",
    };
}
