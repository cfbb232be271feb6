using System.Runtime.InteropServices;
using SigWatch.Platform.Interop;

namespace SigWatch.Platform.Peers;

/// <summary>Decodes the raw getsockopt buffers (pure; tested on every OS with recorded bytes).</summary>
public static class PeerCredentialParser
{
    /// <summary>
    /// Darwin LOCAL_PEERCRED. Rejects any cr_version but XUCRED_VERSION (0) and a group count outside 1..16 (cr_gid is
    /// cr_groups[0], so there is always at least one).
    /// </summary>
    public static (uint UserId, IReadOnlyList<uint> Groups) ParseXUCred(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < XUCred.Size)
        {
            throw new FormatException($"struct xucred is {XUCred.Size} bytes; the kernel returned {bytes.Length}");
        }

        var value = MemoryMarshal.Read<XUCred>(bytes);
        if (value.cr_version != Libc.XUCredVersion)
        {
            throw new FormatException($"xucred version {value.cr_version}; only {Libc.XUCredVersion} is understood");
        }

        if (value.cr_ngroups is < 1 or > Libc.XUCredMaxGroups)
        {
            throw new FormatException($"xucred lists {value.cr_ngroups} groups; expected 1 to {Libc.XUCredMaxGroups}");
        }

        var groups = new uint[value.cr_ngroups];
        unsafe
        {
            for (var i = 0; i < groups.Length; i++)
            {
                groups[i] = value.cr_groups[i];
            }
        }

        return (value.cr_uid, groups);
    }

    /// <summary>Linux SO_PEERCRED <c>struct ucred</c>.</summary>
    public static (int ProcessId, uint UserId, uint GroupId) ParseLinuxUCred(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < LinuxUCred.Size)
        {
            throw new FormatException($"struct ucred is {LinuxUCred.Size} bytes; the kernel returned {bytes.Length}");
        }

        var value = MemoryMarshal.Read<LinuxUCred>(bytes);
        return (value.pid, value.uid, value.gid);
    }
}
