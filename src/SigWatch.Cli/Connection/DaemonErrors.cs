using System.Net.Sockets;
using Grpc.Core;
using SigWatch.Cli.Output;
using SigWatch.Core.FileSystem;
using SigWatch.Platform;

namespace SigWatch.Cli.Connection;

/// <summary>Turns a failed call into the documented exit code and a message that says what to do.</summary>
internal static class DaemonErrors
{
    public static int Report(RpcException e, DaemonConnection connection, CliConsole console)
    {
        var socketError = FindSocketError(e);
        // A refused connection reaches the HTTP/2 client as a broken pipe, or as GOAWAY INADEQUATE_SECURITY (which gRPC
        // maps to PERMISSION_DENIED, without the daemon's words): ask the daemon what it said.
        if (e.Status.DebugException is not null
            && e.StatusCode is StatusCode.PermissionDenied or StatusCode.Unavailable or StatusCode.Internal or StatusCode.Unknown
            && FileKinds.Of(connection.SocketPath) == FileTreeKind.Socket
            && RefusalProbe.TryReadRefusal(connection.SocketPath, TimeSpan.FromSeconds(2)) is { } refusal)
        {
            console.Error.WriteLine(
                $"sigwatch: permission denied: sigwatchd at {connection.SocketPath} refused this connection: {refusal}. " +
                "Its peer policy admits root, its own user, and the users and groups it is configured to allow (--allow-user, --allow-group).");
            return ExitCodes.PermissionDenied;
        }

        if (e.StatusCode == StatusCode.PermissionDenied)
        {
            // Admitted, but this call is not allowed to this caller: the daemon's message names the rule.
            console.Error.WriteLine($"sigwatch: permission denied by sigwatchd at {connection.SocketPath}: {Detail(e)}");
            return ExitCodes.PermissionDenied;
        }

        if (socketError == SocketError.AccessDenied)
        {
            console.Error.WriteLine(
                $"sigwatch: permission denied opening {connection.SocketPath}: {Detail(e)}. " +
                "A user daemon's socket is its user's alone; try as that user (sudo for the system daemon).");
            return ExitCodes.PermissionDenied;
        }

        if (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded || socketError is not null)
        {
            var tried = connection.TriedPaths.Count > 1 ? $" (looked for: {string.Join(", ", connection.TriedPaths)})" : string.Empty;
            var why = FileKinds.Of(connection.SocketPath) switch
            {
                FileTreeKind.Missing => "there is no socket at that path; the daemon is not running or listens elsewhere",
                FileTreeKind.Socket => $"{Detail(e)} (a socket exists but nothing answers: the daemon may have crashed)",
                var other => $"that path is a {other.ToString().ToLowerInvariant()}, not a socket",
            };
            console.Error.WriteLine($"sigwatch: cannot reach sigwatchd at {connection.SocketPath}{tried}: {why}.");
            console.Error.WriteLine(
                "Start the daemon, e.g. `dotnet run --project src/SigWatch.Daemon -- --root ~/Downloads` in a checkout, " +
                "or `sudo launchctl kickstart system/org.sigwatch.daemon` on a Mac where it is installed; " +
                "or point at its socket with --socket PATH or SIGWATCH_SOCKET. Run `sigwatch doctor` to find out why.");
            return ExitCodes.DaemonUnreachable;
        }

        if (e.StatusCode == StatusCode.InvalidArgument)
        {
            console.Error.WriteLine($"sigwatch: {e.Status.Detail}");
            return ExitCodes.Usage;
        }

        console.Error.WriteLine($"sigwatch: {e.Status.Detail} ({e.StatusCode})");
        return ExitCodes.Failed;
    }

    private static SocketError? FindSocketError(Exception e)
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException socket)
            {
                return socket.SocketErrorCode;
            }
        }

        return null;
    }

    private static string Detail(RpcException e)
    {
        for (Exception? inner = e.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException socket)
            {
                return socket.Message;
            }
        }

        return string.IsNullOrEmpty(e.Status.Detail) ? e.StatusCode.ToString() : e.Status.Detail;
    }
}
