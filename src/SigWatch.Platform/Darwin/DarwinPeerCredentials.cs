using System.Buffers.Binary;
using System.Net.Sockets;
using System.Runtime.Versioning;
using SigWatch.Platform.Interop;
using SigWatch.Platform.Peers;

namespace SigWatch.Platform.Darwin;

/// <summary>
/// Darwin peer credentials (XNU bsd/kern/uipc_usrreq.c): LOCAL_PEERCRED (xucred, connect time), LOCAL_PEERPID and
/// LOCAL_PEERTOKEN (audit token of that pid, taken now). Read the token right after accept and again per request:
/// the peer can exec other code on the same connection, which changes its pidversion (§4.4).
/// </summary>
[SupportedOSPlatform("macos")]
public sealed class DarwinPeerCredentials : IPeerCredentials
{
    /// <summary>EINVAL: LOCAL_PEERTOKEN when the peer's last pid has exited (§4.1).</summary>
    private const SocketError PeerGone = SocketError.InvalidArgument;

    public PeerIdentity Read(Socket socket)
    {
        PeerCredentials.RequireUnixSocket(socket);
        Span<byte> credentials = stackalloc byte[XUCred.Size];
        var written = socket.GetRawSocketOption(Libc.DarwinSolLocal, Libc.DarwinLocalPeerCred, credentials);
        var (uid, groups) = PeerCredentialParser.ParseXUCred(credentials[..written]);

        Span<byte> pidBytes = stackalloc byte[sizeof(int)];
        var pidLength = socket.GetRawSocketOption(Libc.DarwinSolLocal, Libc.DarwinLocalPeerPid, pidBytes);
        int? pid = pidLength == sizeof(int) ? BinaryPrimitives.ReadInt32LittleEndian(pidBytes) : null;

        return new PeerIdentity(uid, groups[0], groups, pid is > 0 ? pid : null, ReadToken(socket));
    }

    /// <summary>The peer's current audit token, or null when the process behind the socket has gone (EINVAL).</summary>
    public static AuditToken? ReadToken(Socket socket)
    {
        PeerCredentials.RequireUnixSocket(socket);
        Span<byte> token = stackalloc byte[AuditToken.Size];
        try
        {
            var length = socket.GetRawSocketOption(Libc.DarwinSolLocal, Libc.DarwinLocalPeerToken, token);
            return length == AuditToken.Size ? AuditToken.FromBytes(token) : null;
        }
        catch (SocketException e) when (e.SocketErrorCode == PeerGone)
        {
            return null;
        }
    }
}
