using SigWatch.Cli.Connection;
using SigWatch.Platform;

namespace SigWatch.Cli.Commands.Doctor;

// What the service manager says: is the daemon installed and running as a service (launchd on macOS, systemd on
// Linux), and is this user's notification agent running.
internal sealed partial class DoctorCommand
{
    private const string DaemonLabel = "org.sigwatch.daemon";
    private const string AgentLabel = "org.sigwatch.agent";

    private static string StartHint => OperatingSystem.IsMacOS()
        ? $"sudo launchctl kickstart -k system/{DaemonLabel}"
        : "sudo systemctl start sigwatchd, or sigwatchd --root DIR in a shell";

    private static async Task<DoctorCheck> ServiceCheckAsync(string socket, CancellationToken cancellationToken)
    {
        var system = SigWatchPaths.ForRoot().SocketPath;
        if (!string.Equals(socket, system, StringComparison.Ordinal))
        {
            return new DoctorCheck("service", DoctorOutcome.Unknown, $"{socket} is not the system daemon's socket ({system}): its service is not asked");
        }

        if (OperatingSystem.IsMacOS())
        {
            const string plist = "/Library/LaunchDaemons/" + DaemonLabel + ".plist";
            if (!File.Exists(plist))
            {
                return new DoctorCheck("service", DoctorOutcome.Failed, $"{plist} is not installed", "install the SigWatch package (README, \"Install on a Mac\")");
            }

            // launchctl print's format is not an API; its exit status (0: the job is loaded) is what is used.
            return await RunAsync("/bin/launchctl", ["print", $"system/{DaemonLabel}"], cancellationToken).ConfigureAwait(false) is { ExitCode: 0 }
                ? new DoctorCheck("service", DoctorOutcome.Ok, $"launchd has {DaemonLabel} loaded")
                : new DoctorCheck("service", DoctorOutcome.Failed, $"launchd does not have {DaemonLabel} loaded", $"sudo launchctl bootstrap system {plist}");
        }

        if (!Directory.Exists("/run/systemd/system"))
        {
            return new DoctorCheck("service", DoctorOutcome.Unknown, "systemd does not run this machine: sigwatchd can only run by hand here");
        }

        return await RunAsync("systemctl", ["is-active", "sigwatchd.service"], cancellationToken).ConfigureAwait(false) switch
        {
            null => new DoctorCheck("service", DoctorOutcome.Unknown, "systemctl could not be run"),
            { ExitCode: 0 } => new DoctorCheck("service", DoctorOutcome.Ok, "systemd runs sigwatchd.service (active)"),
            var r => new DoctorCheck("service", DoctorOutcome.Failed, $"sigwatchd.service is {r.Stdout.Trim()}",
                "sudo systemctl enable --now sigwatchd; journalctl -u sigwatchd says why it stopped"),
        };
    }

    private static async Task<DoctorCheck> AgentCheckAsync(string socket, CancellationToken cancellationToken)
    {
        var uid = ProcessIdentity.EffectiveUserId;
        if (OperatingSystem.IsMacOS())
        {
            return await RunAsync("/bin/launchctl", ["print", $"gui/{uid}/{AgentLabel}"], cancellationToken).ConfigureAwait(false) is { ExitCode: 0 }
                ? new DoctorCheck("agent", DoctorOutcome.Ok, $"the notification agent runs in your session ({AgentLabel})")
                : new DoctorCheck("agent", DoctorOutcome.Failed, $"no notification agent in your session (gui/{uid}/{AgentLabel}): you are not told when an app's seal breaks",
                    $"launchctl bootstrap gui/{uid} /Library/LaunchAgents/{AgentLabel}.plist");
        }

        // An agent of another daemon (another --socket) does not tell you about this one's bundles.
        var agents = AgentsOnLinux(uid);
        var ours = agents.FirstOrDefault(a => a.Socket is null ? IsDefaultSocket(socket, uid) : string.Equals(a.Socket, socket, StringComparison.Ordinal));
        if (ours.Pid != 0)
        {
            return new DoctorCheck("agent", DoctorOutcome.Ok, "the notification agent (sigwatch agent) runs as you");
        }

        if (agents.Count > 0)
        {
            var elsewhere = agents[0].Socket ?? "the default socket";
            return new DoctorCheck("agent", DoctorOutcome.Unknown, $"a notification agent runs as you (pid {agents[0].Pid}) but talks to {elsewhere}, not {socket}",
                $"sigwatch agent --socket {socket}");
        }

        return new DoctorCheck("agent", DoctorOutcome.Unknown, "no notification agent runs as you: fine on a server, but on a desktop you are not told when an app's seal breaks",
            "systemctl --user enable --now sigwatch-agent");
    }

    /// <summary>An agent started with no --socket and no $SIGWATCH_SOCKET picks the same default this command would.</summary>
    private static bool IsDefaultSocket(string socket, uint uid) =>
        string.Equals(socket, SigWatchPaths.ForRoot().SocketPath, StringComparison.Ordinal)
        || (uid != 0 && string.Equals(socket, SigWatchPaths.ForUser(uid, Environment.GetEnvironmentVariable).SocketPath, StringComparison.Ordinal));

    /// <summary>
    /// Processes of <paramref name="uid"/> whose command line is "… sigwatch[.dll] agent …" (/proc), each with the
    /// socket it talks to: its --socket, else its $SIGWATCH_SOCKET, else null (the default).
    /// </summary>
    private static List<(int Pid, string? Socket)> AgentsOnLinux(uint uid)
    {
        var found = new List<(int, string?)>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                if (FileKinds.Stat(dir).OwnerUid != uid)
                {
                    continue;
                }

                var args = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0', StringSplitOptions.RemoveEmptyEntries);
                var at = Array.FindIndex(args, a => Path.GetFileName(a) is "sigwatch" or "sigwatch.dll");
                if (at >= 0 && at + 1 < args.Length && args[at + 1] == "agent")
                {
                    found.Add((pid, AgentSocket(dir, args.AsSpan(at + 2))));
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The process ended while we looked.
            }
        }

        return found;
    }

    private static string? AgentSocket(string procDir, ReadOnlySpan<string> args)
    {
        string? socket = null;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--socket" && i + 1 < args.Length)
            {
                socket = args[i + 1];
            }
            else if (args[i].StartsWith("--socket=", StringComparison.Ordinal))
            {
                socket = args[i]["--socket=".Length..];
            }
        }

        if (socket is null)
        {
            foreach (var variable in File.ReadAllText(Path.Combine(procDir, "environ")).Split('\0'))
            {
                if (variable.StartsWith($"{DaemonConnection.SocketEnvironmentVariable}=", StringComparison.Ordinal) && variable.Length > DaemonConnection.SocketEnvironmentVariable.Length + 1)
                {
                    socket = variable[(DaemonConnection.SocketEnvironmentVariable.Length + 1)..];
                }
            }
        }

        // A relative path is the agent's own: resolve it against its working directory.
        return socket is null || Path.IsPathFullyQualified(socket)
            ? socket
            : Path.GetFullPath(socket, FileKinds.ReadLink(Path.Combine(procDir, "cwd")) ?? "/");
    }

    /// <summary>A service manager's query, 2 s at most; null when it could not be run or did not finish.</summary>
    private static async Task<ProcessOutcome?> RunAsync(string file, string[] args, CancellationToken cancellationToken)
    {
        try
        {
            return await BoundedProcess.RunAsync(file, args, TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
        }
        catch (ProcessRunException)
        {
            return null;
        }
    }
}
