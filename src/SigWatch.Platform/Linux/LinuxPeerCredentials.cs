using System.Net.Sockets;
using System.Runtime.Versioning;
using SigWatch.Platform.Interop;
using SigWatch.Platform.Peers;

namespace SigWatch.Platform.Linux;

/// <summary>
/// SO_PEERCRED (socket(7)): pid, uid and gid of the peer as they were at connect()/socketpair() time, plus the peer's
/// supplementary groups, which SO_PEERCRED does not carry, from <c>/proc/PID/status</c> (<c>Groups:</c>). Linux has no
/// audit token; <see cref="PeerIdentity.AuditToken"/> is always null.
/// </summary>
/// <remarks>
/// Why reading /proc is safe only together with SO_PEERCRED, and what the race is: SO_PEERCRED's uid, gid and pid are
/// fixed by the kernel at connect() time and cannot be forged; /proc/PID/status is read later, by pid. If the peer
/// exited in between and its pid was reused, /proc describes another process. So the groups are taken only when that
/// process's real and effective uid and gid are the ones SO_PEERCRED reported — a process of another user is never
/// mistaken for the peer — and the residual race is confined to another process of the same user and primary group
/// (which that user could have connected with anyway), whose supplementary groups might differ: it can only make a
/// group rule admit or refuse a peer the same user could have sent. When the status cannot be read or does not match,
/// the groups are the primary gid alone (a group rule then sees fewer groups, never more).
/// </remarks>
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

        return new PeerIdentity(uid, gid, Groups(pid, uid, gid), pid > 0 ? pid : null, null);
    }

    private static IReadOnlyList<uint> Groups(int pid, uint uid, uint gid)
    {
        if (pid <= 0)
        {
            return [gid];
        }

        string status;
        try
        {
            status = File.ReadAllText($"/proc/{pid}/status");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [gid];
        }

        return PeerCredentialParser.ParseProcStatus(status) is { } ids
            && ids.Uids[0] == uid && ids.Uids[1] == uid && ids.Gids[0] == gid && ids.Gids[1] == gid
            ? [gid, .. ids.Groups.Where(g => g != gid)]
            : [gid];
    }
}
