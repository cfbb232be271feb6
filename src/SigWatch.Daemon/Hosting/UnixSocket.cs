using System.Net.Sockets;
using SigWatch.Core.FileSystem;
using SigWatch.Platform;

namespace SigWatch.Daemon.Hosting;

/// <summary>
/// Prepares the socket path before Kestrel binds it. Kestrel neither creates the directory nor
/// removes a stale socket left by a crash (then bind fails with EADDRINUSE); it also must not be
/// tricked into deleting or following something else. Rules:
/// <list type="bullet">
/// <item>The directory is created with <see cref="DirectoryMode"/>; an existing one must be a real
/// directory (not a symlink), owned by us or root, and not writable by group or others.</item>
/// <item>An existing entry at the path is removed only if lstat says it is a socket and nothing
/// answers on it; a live socket means another sigwatchd is running; anything else is refused.</item>
/// </list>
/// </summary>
internal static class UnixSocket
{
    /// <summary>rwx for the owner, r-x for others as root (clients must reach the socket); owner-only otherwise.</summary>
    public static UnixFileMode DirectoryMode(bool isRoot) =>
        isRoot
            ? UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute
            : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>
    /// As root the socket is open to everyone (0666) and the peer policy is the gate: every peer's
    /// credentials are read from the kernel and refused with PERMISSION_DENIED unless admitted
    /// (macos-integration.md §5, "Permissions"). A user daemon serves only its user (0600).
    /// </summary>
    public static UnixFileMode SocketMode(bool isRoot) =>
        isRoot
            ? UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite
            : UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static void Prepare(string socketPath, bool isRoot, uint uid)
    {
        var directory = Path.GetDirectoryName(socketPath)
            ?? throw new SocketSetupException($"socket path '{socketPath}' has no directory");
        EnsureDirectory(directory, isRoot, uid);

        var status = FileKinds.Stat(socketPath);
        switch (status.Kind)
        {
            case FileTreeKind.Missing:
                return;
            case FileTreeKind.Socket:
                if (IsAnswering(socketPath))
                {
                    throw new SocketSetupException($"another process is already listening on {socketPath} (is sigwatchd already running?)");
                }

                File.Delete(socketPath);
                return;
            default:
                throw new SocketSetupException(
                    $"{socketPath} exists and is a {status.Kind.ToString().ToLowerInvariant()}, not a socket; refusing to remove it");
        }
    }

    public static void SecureSocketFile(string socketPath, bool isRoot) => File.SetUnixFileMode(socketPath, SocketMode(isRoot));

    private static void EnsureDirectory(string directory, bool isRoot, uint uid)
    {
        var status = FileKinds.Stat(directory);
        if (status.Kind == FileTreeKind.Missing)
        {
            Directory.CreateDirectory(directory, DirectoryMode(isRoot));
            // mkdir's mode is masked by the umask (077 in the daemon): set the intended mode explicitly.
            File.SetUnixFileMode(directory, DirectoryMode(isRoot));
            status = FileKinds.Stat(directory);
        }

        if (status.Kind != FileTreeKind.Directory)
        {
            throw new SocketSetupException($"socket directory {directory} is a {status.Kind.ToString().ToLowerInvariant()}, not a directory");
        }

        if (status.OwnerUid != uid && status.OwnerUid != 0)
        {
            throw new SocketSetupException($"socket directory {directory} is owned by uid {status.OwnerUid}, not by this user ({uid}) or root");
        }

        // A shared parent such as $XDG_RUNTIME_DIR is ours; only the directory we keep the socket in
        // must not let others swap the socket.
        if ((status.Mode & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0 && (status.Mode & UnixFileMode.StickyBit) == 0)
        {
            throw new SocketSetupException($"socket directory {directory} is writable by group or others (mode {Convert.ToString((int)status.Mode, 8)}); fix its permissions or choose another --socket");
        }
    }

    private static bool IsAnswering(string socketPath)
    {
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(socketPath));
            return true;
        }
        catch (SocketException)
        {
            // ECONNREFUSED: a socket file nobody listens on, i.e. left by a crash.
            return false;
        }
    }
}

internal sealed class SocketSetupException(string message) : Exception(message);
