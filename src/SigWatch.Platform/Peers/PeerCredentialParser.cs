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

    /// <summary>
    /// The identity lines of Linux <c>/proc/PID/status</c> (proc(5)): <c>Uid:</c> and <c>Gid:</c> (real, effective, saved,
    /// filesystem) and <c>Groups:</c> (the supplementary groups, possibly none). Null when a line is missing or malformed.
    /// </summary>
    public static (uint[] Uids, uint[] Gids, uint[] Groups)? ParseProcStatus(string status)
    {
        ArgumentNullException.ThrowIfNull(status);
        uint[]? uids = null, gids = null, groups = null;
        var malformed = false;
        foreach (var line in status.Split('\n'))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var name = colon < 0 ? string.Empty : line[..colon];
            if (name is not ("Uid" or "Gid" or "Groups"))
            {
                continue;
            }

            // The kernel escapes newlines in the one line a process writes itself (Name:, set by prctl), so no line
            // can be forged; should one ever be, a name seen twice makes the whole status malformed (fewer groups,
            // never more).
            malformed |= (name == "Uid" ? uids : name == "Gid" ? gids : groups) is not null;

            var values = line[(colon + 1)..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            var numbers = new uint[values.Length];
            for (var i = 0; i < values.Length; i++)
            {
                malformed |= !uint.TryParse(values[i], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out numbers[i]);
            }

            malformed |= name != "Groups" && numbers.Length != 4;
            _ = name switch
            {
                "Uid" => uids = numbers,
                "Gid" => gids = numbers,
                _ => groups = numbers,
            };
        }

        return malformed || uids is null || gids is null || groups is null ? null : (uids, gids, groups);
    }
}
