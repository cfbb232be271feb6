using Grpc.Core;
using SigWatch.Cli.Commands.Version;
using SigWatch.Cli.Connection;
using SigWatch.Core.FileSystem;
using SigWatch.Platform;
using SigWatch.Protos.V1;

namespace SigWatch.Cli.Commands.Doctor;

// What the socket and the daemon say: is it there, may this user talk to it, what does it watch, is its database
// answering, is it the same build as this CLI.
internal sealed partial class DoctorCommand
{
    private static readonly TimeSpan CallDeadline = TimeSpan.FromSeconds(5);

    private static DoctorCheck SocketCheck(string path)
    {
        var status = FileKinds.Stat(path);
        if (status.Kind == FileTreeKind.Missing)
        {
            return new DoctorCheck("socket", DoctorOutcome.Failed, $"no socket at {path}: sigwatchd is not running, or listens elsewhere",
                $"start it ({StartHint}), or point at its socket with --socket PATH or SIGWATCH_SOCKET");
        }

        if (status.Kind != FileTreeKind.Socket)
        {
            return new DoctorCheck("socket", DoctorOutcome.Failed, $"{path} is a {status.Kind.ToString().ToLowerInvariant()}, not a socket",
                "remove it (sigwatchd refuses to replace anything but a stale socket) and start the daemon");
        }

        var mode = Convert.ToString((int)status.Mode, 8).PadLeft(4, '0');
        var me = ProcessIdentity.EffectiveUserId;
        // A system daemon's socket is root's and 0666 (its peer policy is the gate); a user daemon's is its user's, 0600.
        return status.OwnerUid == 0 || status.OwnerUid == me
            ? new DoctorCheck("socket", DoctorOutcome.Ok, $"socket {path} (owner uid {status.OwnerUid}, mode {mode})")
            : new DoctorCheck("socket", DoctorOutcome.Failed, $"socket {path} is owned by uid {status.OwnerUid}, neither root nor you (uid {me}): not a sigwatchd to trust",
                "find out who runs a daemon there; use --socket to reach the real one");
    }

    private async Task<IReadOnlyList<DoctorCheck>> DaemonChecksAsync(DaemonConnection connection, CancellationToken cancellationToken)
    {
        GetStatusResponse status;
        try
        {
            status = await connection.Client.GetStatusAsync(new GetStatusRequest(), deadline: DateTime.UtcNow + CallDeadline, cancellationToken: cancellationToken)
                .ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            return [ConnectionFailure(connection.SocketPath, e)];
        }

        var checks = new List<DoctorCheck>
        {
            new("connection", DoctorOutcome.Ok,
                $"sigwatchd {status.Version} (pid {status.Pid}) answers you: uid {status.Caller?.Uid}, {(status.Caller?.Admin == true ? "admin" : "not an admin")} ({status.Caller?.Role})"),
        };
        checks.AddRange(status.Roots.Where(r => !r.Hidden).Select(RootCheck));
        checks.AddRange(await StoreAndLogChecksAsync(connection, status, cancellationToken).ConfigureAwait(false));
        checks.Add(status.Version == VersionCommand.CliVersion
            ? new DoctorCheck("versions", DoctorOutcome.Ok, $"sigwatch and sigwatchd are the same build ({status.Version})")
            : new DoctorCheck("versions", DoctorOutcome.Failed, $"sigwatch {VersionCommand.CliVersion} talks to sigwatchd {status.Version}: different builds",
                "install one package for both (the CLI and the daemon ship together), then restart the daemon"));
        return checks;
    }

    private static DoctorCheck ConnectionFailure(string socket, RpcException e)
    {
        if (FileKinds.Of(socket) == FileTreeKind.Socket && RefusalProbe.TryReadRefusal(socket, TimeSpan.FromSeconds(2)) is { } refusal)
        {
            return new DoctorCheck("connection", DoctorOutcome.Failed, $"sigwatchd at {socket} refuses you (uid {ProcessIdentity.EffectiveUserId}): {refusal}",
                "an admin can admit you: AllowedUsers/--allow-user UID or AllowedGroups/--allow-group GID in the daemon's settings");
        }

        return e.StatusCode == StatusCode.PermissionDenied
            ? new DoctorCheck("connection", DoctorOutcome.Failed, $"sigwatchd at {socket} denies you: {e.Status.Detail}", "ask an admin (see README, \"Security\")")
            : new DoctorCheck("connection", DoctorOutcome.Failed, $"nothing answers on {socket} ({e.StatusCode}): the daemon is not running or has crashed",
                $"start it ({StartHint}) and look at its log");
    }

    private static DoctorCheck RootCheck(Root root)
    {
        var kind = root.Source ? "source root" : "root";
        if (root.Watching)
        {
            return new DoctorCheck("root", DoctorOutcome.Ok, $"{kind} {root.Path}: watching, {root.BundleCount} bundle(s)");
        }

        if (!root.Exists)
        {
            // A default root that does not exist on this machine (no /Applications on a Linux server) is not broken.
            return new DoctorCheck("root", DoctorOutcome.Unknown, $"{kind} {root.Path}: does not exist, not watched",
                "create it, or leave it out of Roots if it is not meant to exist here");
        }

        var denied = root.Problem.Contains("denied", StringComparison.OrdinalIgnoreCase) || root.Problem.Contains("not permitted", StringComparison.OrdinalIgnoreCase);
        var remedy = denied && OperatingSystem.IsMacOS()
            ? "give sigwatchd Full Disk Access: System Settings > Privacy & Security > Full Disk Access, or the MDM profile packaging/macos/profiles/sigwatchd-full-disk-access.mobileconfig"
            : denied ? "the daemon's user cannot read it: check its owner and mode" : "see the daemon's log for the reason";
        return new DoctorCheck("root", DoctorOutcome.Failed, $"{kind} {root.Path}: NOT watched: {root.Problem}", remedy);
    }

    /// <summary>integrity_check can read a large file for a while (the daemon stops it at 20 s).</summary>
    private static readonly TimeSpan HealthDeadline = TimeSpan.FromSeconds(30);

    private static async Task<IReadOnlyList<DoctorCheck>> StoreAndLogChecksAsync(DaemonConnection connection, GetStatusResponse status, CancellationToken cancellationToken)
    {
        CheckHealthResponse health;
        try
        {
            health = await connection.Client.CheckHealthAsync(new CheckHealthRequest(), deadline: DateTime.UtcNow + HealthDeadline, cancellationToken: cancellationToken)
                .ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            return
            [
                new DoctorCheck("database", DoctorOutcome.Unknown, $"database {status.DatabasePath}: the daemon did not say how it is ({e.StatusCode}: {e.Status.Detail})"),
                new DoctorCheck("logs", DoctorOutcome.Unknown, "log directory: the daemon did not say whether it can write there"),
            ];
        }

        var checkedAt = Output.Format.Time(health.DatabaseCheckedAt?.ToDateTimeOffset());
        var size = Output.Format.Size(health.DatabaseBytes);
        var database = health.DatabaseOk
            ? new DoctorCheck("database", DoctorOutcome.Ok, $"database {status.DatabasePath}: integrity ok (checked {checkedAt}), {size}, schema {status.SchemaVersion}")
            : new DoctorCheck("database", DoctorOutcome.Failed, $"database {status.DatabasePath}: {health.DatabaseIntegrity} (checked {checkedAt}), {size}",
                "stop the daemon, keep a copy of the file, then remove it and start the daemon: it rebuilds the inventory from the roots (the event history is lost)");
        var logs = health.LogDirWritable
            ? new DoctorCheck("logs", DoctorOutcome.Ok, $"log directory {health.LogDir}: writable")
            : new DoctorCheck("logs", DoctorOutcome.Failed, $"log directory {health.LogDir}: the daemon cannot write there: {health.LogProblem}",
                "free disk space, or give the directory back to the daemon's user (it must be a directory it owns)");
        return [database, logs];
    }
}
