using System.Reflection;

namespace SigWatch.Daemon;

/// <summary>When this daemon process started, and its version.</summary>
internal sealed class DaemonClock
{
    public DateTimeOffset StartedAt { get; } = new(System.Diagnostics.Process.GetCurrentProcess().StartTime.ToUniversalTime(), TimeSpan.Zero);

    public static string Version { get; } =
        typeof(DaemonClock).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
}
