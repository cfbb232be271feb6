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
}
