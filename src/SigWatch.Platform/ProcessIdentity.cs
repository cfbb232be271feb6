using SigWatch.Platform.Interop;

namespace SigWatch.Platform;

/// <summary>The effective identity of the current process (Unix only).</summary>
public static class ProcessIdentity
{
    public static uint EffectiveUserId =>
        OperatingSystem.IsWindows() ? throw new PlatformNotSupportedException() : Libc.GetEffectiveUserId();

    public static uint EffectiveGroupId =>
        OperatingSystem.IsWindows() ? throw new PlatformNotSupportedException() : Libc.GetEffectiveGroupId();

    public static bool IsRoot => !OperatingSystem.IsWindows() && EffectiveUserId == 0;

    /// <summary>
    /// Makes every file and directory this process creates from now on private to its user (umask 077): the database,
    /// its WAL and SHM, the digest cache and the logs are created 0600, directories 0700, whatever the caller's umask.
    /// </summary>
    public static void UsePrivateFileModes()
    {
        if (!OperatingSystem.IsWindows())
        {
            Libc.UMask(0x3F); // 077
        }
    }

    /// <summary>The gid of the group named <paramref name="name"/>; null when there is no such group.</summary>
    public static uint? GroupId(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (OperatingSystem.IsWindows() || !Environment.Is64BitProcess)
        {
            return null;
        }

        var group = Libc.GetGroupByName(name);
        return group == IntPtr.Zero ? null : (uint)System.Runtime.InteropServices.Marshal.ReadInt32(group, Libc.GroupGidOffset);
    }
}
