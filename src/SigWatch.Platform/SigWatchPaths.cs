namespace SigWatch.Platform;

/// <summary>
/// Default locations of SigWatch's state, socket, logs and configuration (ARCHITECTURE.md, "Paths").
/// The root daemon uses system locations; an unprivileged run picks user-writable ones so that
/// <c>dotnet run</c> works without sudo. Daemon and CLI compute the same socket path from this class.
/// </summary>
public sealed record SigWatchPaths(
    string StateDirectory,
    string SocketPath,
    string LogDirectory,
    string? SystemConfigFile,
    IReadOnlyList<string> DefaultRoots)
{
    public const string DatabaseFileName = "sigwatch.db";
    public const string SocketFileName = "sigwatchd.sock";

    public string DatabasePath => Path.Combine(StateDirectory, DatabaseFileName);

    /// <summary>
    /// Source roots when none are configured: on macOS as root, <c>/Volumes</c>, where disk images and disks are mounted
    /// (each mount is a folder there, so its apps are one level below the root); none elsewhere.
    /// </summary>
    public IReadOnlyList<string> DefaultSourceRoots { get; init; } = [];

    /// <summary>Settings an MDM configuration profile enforces (macOS Managed Preferences); they override <see cref="SystemConfigFile"/>.</summary>
    public string? ManagedConfigFile { get; init; }

    /// <summary>Defaults for this process: system paths when running as root, user paths otherwise.</summary>
    public static SigWatchPaths ForCurrentProcess() =>
        ProcessIdentity.IsRoot ? ForRoot() : ForUser(ProcessIdentity.EffectiveUserId, Environment.GetEnvironmentVariable);

    public static SigWatchPaths ForRoot() => ForRoot(OperatingSystem.IsMacOS());

    /// <summary>The root daemon's defaults on macOS or on Linux (the packages and profiles state them too).</summary>
    public static SigWatchPaths ForRoot(bool macOS)
    {
        if (macOS)
        {
            // State sits in its own 0700 directory: the package's executables are beside it, under
            // /Library/Application Support/SigWatch/bin, and every user must be able to reach those.
            return new SigWatchPaths(
                "/Library/Application Support/SigWatch/State",
                "/var/run/sigwatch/" + SocketFileName,
                "/Library/Logs/SigWatch",
                "/Library/Preferences/org.sigwatch.daemon.plist",
                ["/Applications", .. UserDownloadsDirectories("/Users")])
            {
                ManagedConfigFile = "/Library/Managed Preferences/org.sigwatch.daemon.plist",
                DefaultSourceRoots = ["/Volumes"],
            };
        }

        return new SigWatchPaths(
            "/var/lib/sigwatch",
            "/run/sigwatch/" + SocketFileName,
            "/var/log/sigwatch",
            "/etc/sigwatch/sigwatch.json",
            ["/Applications", .. UserDownloadsDirectories("/home")]);
    }

    /// <summary>
    /// Paths for an unprivileged run. State: $XDG_STATE_HOME/sigwatch (Linux) or
    /// ~/Library/Application Support/SigWatch (macOS); socket: $XDG_RUNTIME_DIR/sigwatch or a
    /// per-uid directory under the temp dir; logs beside the state. Roots: ~/Downloads.
    /// </summary>
    public static SigWatchPaths ForUser(uint uid, Func<string, string?> environment)
    {
        var home = environment("HOME") is { Length: > 0 } h ? h : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        string state;
        if (OperatingSystem.IsMacOS())
        {
            state = Path.Combine(home, "Library", "Application Support", "SigWatch");
        }
        else
        {
            var xdgState = environment("XDG_STATE_HOME");
            state = Path.Combine(
                xdgState is { Length: > 0 } && Path.IsPathRooted(xdgState) ? xdgState : Path.Combine(home, ".local", "state"),
                "sigwatch");
        }

        var runtimeDir = environment("XDG_RUNTIME_DIR");
        var socketDir = runtimeDir is { Length: > 0 } && Path.IsPathRooted(runtimeDir)
            ? Path.Combine(runtimeDir, "sigwatch")
            : Path.Combine(Path.GetTempPath(), $"sigwatch-{uid}");

        return new SigWatchPaths(
            state,
            Path.Combine(socketDir, SocketFileName),
            Path.Combine(state, "logs"),
            SystemConfigFile: null,
            DefaultRoots: [Path.Combine(home, "Downloads")]);
    }

    private static IEnumerable<string> UserDownloadsDirectories(string homesRoot)
    {
        IEnumerable<string> homes;
        try
        {
            homes = Directory.Exists(homesRoot) ? Directory.GetDirectories(homesRoot) : [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            homes = [];
        }

        foreach (var home in homes.Order(StringComparer.Ordinal))
        {
            if (Path.GetFileName(home) is "Shared" or "Guest")
            {
                continue;
            }

            yield return Path.Combine(home, "Downloads");
        }
    }
}
