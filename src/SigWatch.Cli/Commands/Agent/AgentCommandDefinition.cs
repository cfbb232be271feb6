using System.CommandLine;
using SigWatch.Cli.Output;
using SigWatch.Platform.Notifications;

namespace SigWatch.Cli.Commands.Agent;

internal static class AgentCommandDefinition
{
    public static Command Create(CliConsole console)
    {
        var socket = CommonOptions.Socket();
        var threshold = new Option<string>("--threshold")
        {
            Description = "Post events of this severity and above: info, warning (default) or critical.",
            DefaultValueFactory = _ => "warning",
        };
        threshold.AcceptOnlyFromAmong("info", "warning", "critical");
        var notifier = new Option<string>("--notifier")
        {
            Description = "How to post: auto (default: osascript on macOS; D-Bus, else notify-send, else the log on Linux), osascript, dbus, notify-send, log.",
            DefaultValueFactory = _ => "auto",
        };
        notifier.AcceptOnlyFromAmong([.. Notifiers.Names]);
        var stateDir = new Option<string?>("--state-dir")
        {
            Description = "Where the agent keeps its cursor (default: this user's SigWatch state directory).",
            HelpName = "PATH",
        };
        var burstWindow = new Option<double>("--burst-window")
        {
            Description = "After a notification, events within this many seconds are held and posted together (default 2).",
            DefaultValueFactory = _ => AgentSettings.DefaultBurstWindow.TotalSeconds,
        };
        var burstLimit = new Option<int>("--burst-limit")
        {
            Description = "More held events than this are posted as one summary (default 3).",
            DefaultValueFactory = _ => AgentSettings.DefaultBurstLimit,
        };
        var logFile = new Option<string?>("--log-file")
        {
            Description = "Append the agent's messages to this file instead of stderr; a leading ~/ is this user's home (the LaunchAgent's ~/Library/Logs/SigWatch/agent.log: launchd expands no ~ in its own log paths).",
            HelpName = "PATH",
        };
        var command = new Command("agent", "Post desktop notifications for this user's events (run per user: LaunchAgent, systemd user unit).")
        {
            socket, threshold, notifier, stateDir, burstWindow, burstLimit, logFile,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var window = parse.GetValue(burstWindow);
            var limit = parse.GetValue(burstLimit);
            if (double.IsNaN(window) || window < 0 || window > 60 || limit < 1)
            {
                console.Error.WriteLine("sigwatch: --burst-window must be 0 to 60 seconds and --burst-limit at least 1");
                return Task.FromResult(ExitCodes.Usage);
            }

            var agentConsole = console;
            if (parse.GetValue(logFile) is { Length: > 0 } path)
            {
                try
                {
                    agentConsole = new CliConsole(console.Out, AgentLog.Open(path), errorIsTerminal: false);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
                {
                    console.Error.WriteLine($"sigwatch: --log-file {path}: {e.Message}");
                    return Task.FromResult(ExitCodes.Usage);
                }
            }

            var settings = new AgentSettings(parse.GetValue(socket), NotificationText.Rank(parse.GetValue(threshold)!), parse.GetValue(notifier)!,
                parse.GetValue(stateDir), TimeSpan.FromSeconds(window), limit);
            return new AgentCommand(agentConsole, settings).ExecuteAsync(cancellationToken);
        });
        return command;
    }
}

/// <summary>The agent's own log file: appended to, the user's alone (0600 in a 0700 directory).</summary>
internal static class AgentLog
{
    public static TextWriter Open(string path) =>
        Open(path, Environment.GetEnvironmentVariable("HOME") is { Length: > 0 } h ? h : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));

    public static TextWriter Open(string path, string home)
    {
        if (path == "~" || path.StartsWith("~/", StringComparison.Ordinal))
        {
            path = Path.Combine(home, path.Length > 2 ? path[2..] : string.Empty);
        }

        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } directory && !Directory.Exists(directory))
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Append,
            Access = FileAccess.Write,
            Share = FileShare.Read,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
        return new StreamWriter(stream) { AutoFlush = true };
    }
}

/// <param name="Threshold">The lowest severity rank posted (<see cref="NotificationText.Rank"/>).</param>
internal sealed record AgentSettings(string? Socket, int Threshold, string Notifier, string? StateDir, TimeSpan BurstWindow, int BurstLimit)
{
    public static readonly TimeSpan DefaultBurstWindow = TimeSpan.FromSeconds(2);
    public const int DefaultBurstLimit = 3;
}
