using System.Runtime.InteropServices;

namespace SigWatch.Platform.Interop;

/// <summary>
/// Peer-credential socket options and the structures they fill (macos-integration.md §4). No P/Invoke is needed:
/// <see cref="System.Net.Sockets.Socket.GetRawSocketOption"/> is getsockopt. Layouts are asserted by tests on every OS.
/// </summary>
internal static partial class Libc
{
    /// <summary>Darwin SOL_LOCAL (XNU bsd/sys/un.h): the level of the LOCAL_PEER* options.</summary>
    internal const int DarwinSolLocal = 0;

    /// <summary>LOCAL_PEERCRED: struct xucred, captured at connect() time.</summary>
    internal const int DarwinLocalPeerCred = 0x001;

    /// <summary>LOCAL_PEERPID: pid_t of the peer's last user (peerso->last_pid).</summary>
    internal const int DarwinLocalPeerPid = 0x002;

    /// <summary>LOCAL_PEERTOKEN: audit_token_t of that pid, taken at getsockopt time; EINVAL if it has exited.</summary>
    internal const int DarwinLocalPeerToken = 0x006;

    /// <summary>Linux SOL_SOCKET (asm-generic/socket.h).</summary>
    internal const int LinuxSolSocket = 1;

    /// <summary>Linux SO_PEERCRED: struct ucred, captured at connect()/socketpair() time.</summary>
    internal const int LinuxSoPeerCred = 17;

    /// <summary>XUCRED_VERSION (XNU bsd/sys/ucred.h): the only cr_version a caller may accept.</summary>
    internal const uint XUCredVersion = 0;

    /// <summary>NGROUPS (= NGROUPS_MAX = 16, XNU bsd/sys/param.h, syslimits.h).</summary>
    internal const int XUCredMaxGroups = 16;
}

/// <summary>
/// Darwin <c>struct xucred</c> (XNU bsd/sys/ucred.h), 76 bytes: u_int cr_version @0; uid_t cr_uid (effective) @4;
/// short cr_ngroups @8; 2 bytes padding; gid_t cr_groups[16] @12. cr_gid is cr_groups[0].
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct XUCred
{
    public uint cr_version;
    public uint cr_uid;
    public short cr_ngroups;
    public fixed uint cr_groups[Libc.XUCredMaxGroups];

    internal const int Size = 76;
}

/// <summary>Linux <c>struct ucred</c> (socket(7)): pid_t pid; uid_t uid; gid_t gid — 12 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct LinuxUCred
{
    public int pid;
    public uint uid;
    public uint gid;

    internal const int Size = 12;
}
