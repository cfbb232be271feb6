using System.Net.Sockets;
using System.Runtime.Versioning;
using SigWatch.Platform.Interop;
using SigWatch.Platform.Peers;

namespace SigWatch.Platform.Linux;

/// <summary>
/// SO_PEERCRED (socket(7)): pid, uid and gid of the peer as they were at connect()/socketpair() time. Linux has no
/// audit token; <see cref="PeerIdentity.AuditToken"/> is always null and the groups list holds the primary gid only.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class LinuxPeerCredentials : IPeerCredentials
{
    /// <summary>(uid_t)-1: what the kernel reports for "no credentials".</summary>
    private const uint NoUser = uint.MaxValue;

    public PeerIdentity Read(Socket socket)
    {
        PeerCredentials.RequireUnixSocket(socket);
        Span<byte> buffer = stackalloc byte[LinuxUCred.Size];
        var written = socket.GetRawSocketOption(Libc.LinuxSolSocket, Libc.LinuxSoPeerCred, buffer);
        var (pid, uid, gid) = PeerCredentialParser.ParseLinuxUCred(buffer[..written]);
        if (pid == 0 && uid == NoUser)
        {
            // Linux answers an unconnected socket with pid 0 and uid/gid -1 instead of an error. Report it the way
            // Darwin does (ENOTCONN) rather than as a peer with an impossible identity.
            throw new SocketException((int)SocketError.NotConnected);
        }

        return new PeerIdentity(uid, gid, [gid], pid > 0 ? pid : null, null);
    }
}
