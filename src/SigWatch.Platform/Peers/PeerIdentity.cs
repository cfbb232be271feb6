using System.Net.Sockets;

namespace SigWatch.Platform.Peers;

/// <summary>
/// Who is on the other end of a connected Unix-domain socket, as the kernel reports it.
/// <see cref="UserId"/>/<see cref="GroupId"/>/<see cref="Groups"/> were captured when the peer connected;
/// <see cref="ProcessId"/> is the peer's pid (Linux: at connect time; Darwin: its last user, LOCAL_PEERPID);
/// <see cref="AuditToken"/> (Darwin only) was taken when it was read and is what code-identity checks must use:
/// a pid alone can be reused or exec'd (§4.4). Null means "not available", never "anyone".
/// </summary>
public sealed record PeerIdentity(
    uint UserId,
    uint GroupId,
    IReadOnlyList<uint> Groups,
    int? ProcessId,
    AuditToken? AuditToken)
{
    /// <summary>
    /// False when the audit token names a different pid than <see cref="ProcessId"/> (the peer changed between the two
    /// reads); policy should then reject or re-read.
    /// </summary>
    public bool IsConsistent => AuditToken is not { } token || ProcessId is not { } pid || token.ProcessId == pid;
}

/// <summary>Reads the kernel's credentials of the peer of a connected Unix-domain socket.</summary>
public interface IPeerCredentials
{
    /// <summary>
    /// The peer's identity. Throws <see cref="ArgumentException"/> for a socket that is not a Unix-domain socket,
    /// and <see cref="SocketException"/> when the kernel refuses (e.g. ENOTCONN).
    /// </summary>
    PeerIdentity Read(Socket socket);
}

/// <summary>The reader for the running OS.</summary>
public static class PeerCredentials
{
    public static IPeerCredentials ForCurrentPlatform()
    {
        if (OperatingSystem.IsMacOS())
        {
            return new Darwin.DarwinPeerCredentials();
        }

        if (OperatingSystem.IsLinux())
        {
            return new Linux.LinuxPeerCredentials();
        }

        throw new PlatformNotSupportedException("peer credentials are read on macOS and Linux only");
    }

    internal static void RequireUnixSocket(Socket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        if (socket.AddressFamily != AddressFamily.Unix)
        {
            throw new ArgumentException($"peer credentials exist only for Unix-domain sockets, not {socket.AddressFamily}", nameof(socket));
        }
    }
}
