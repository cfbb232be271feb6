using Grpc.Core;
using Grpc.Health.V1;
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
        checks.Add(await DatabaseCheckAsync(connection, status, cancellationToken).ConfigureAwait(false));
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

    private static async Task<DoctorCheck> DatabaseCheckAsync(DaemonConnection connection, GetStatusResponse status, CancellationToken cancellationToken)
    {
        var size = File.Exists(status.DatabasePath) ? $", {new FileInfo(status.DatabasePath).Length / 1024} KiB" : string.Empty;
        try
        {
            // The daemon's health service is SERVING while its database answers a query.
            var health = await new Health.HealthClient(connection.Channel)
                .CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow + CallDeadline, cancellationToken: cancellationToken).ConfigureAwait(false);
            return health.Status == HealthCheckResponse.Types.ServingStatus.Serving
                ? new DoctorCheck("database", DoctorOutcome.Ok, $"database {status.DatabasePath} answers (schema {status.SchemaVersion}{size})")
                : new DoctorCheck("database", DoctorOutcome.Failed, $"database {status.DatabasePath} does not answer (health {health.Status})",
                    "look at the daemon's log; a full disk or a damaged file stops it");
        }
        catch (RpcException e)
        {
            return new DoctorCheck("database", DoctorOutcome.Unknown, $"database {status.DatabasePath}: health not available ({e.StatusCode})");
        }
    }
}
