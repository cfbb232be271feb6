using SigWatch.Core.FileSystem;
using SigWatch.Platform;

namespace SigWatch.Daemon.Hosting;

/// <summary>
/// The state directory (database, WAL, SHM, digest cache, scratch copies of users' quarantine databases) and the log
/// directory hold what one user may not see of another: they are the daemon's alone. A missing one is created 0700; an
/// existing one must be a real directory owned by the daemon's user, and is tightened to 0700 along with the files
/// directly in it (0600), so that a directory made 0755 by an earlier version, by hand or by a service manager does not
/// stay readable. One owned by anyone else is refused with its path, owner and mode: chmod-ing it would not take it back.
/// New files are private anyway, by <see cref="ProcessIdentity.UsePrivateFileModes"/> (umask 077).
/// </summary>
internal static class PrivateDirectories
{
    public const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private const UnixFileMode GroupOrOther =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>Makes <paramref name="directory"/> private to <paramref name="uid"/>; returns what it changed, for the log.</summary>
    /// <exception cref="PrivateDirectoryException">It is not a directory, or not ours.</exception>
    public static IReadOnlyList<string> Ensure(string directory, uint uid)
    {
        var changes = new List<string>();
        var status = FileKinds.Stat(directory);
        if (status.Kind == FileTreeKind.Missing)
        {
            Directory.CreateDirectory(directory, DirectoryMode);
            status = FileKinds.Stat(directory);
        }

        if (status.Kind != FileTreeKind.Directory)
        {
            throw new PrivateDirectoryException(
                $"{FileNames.Display(directory)} is a {status.Kind.ToString().ToLowerInvariant()}, not a directory (mode {Octal(status.Mode)}); the daemon keeps its state only in a real directory");
        }

        if (status.OwnerUid != uid)
        {
            throw new PrivateDirectoryException(
                $"{FileNames.Display(directory)} is owned by uid {status.OwnerUid} (mode {Octal(status.Mode)}), not by the daemon's user (uid {uid}); " +
                "its owner could read or replace the database and logs: chown it or choose another directory");
        }

        if ((status.Mode & GroupOrOther) != 0)
        {
            File.SetUnixFileMode(directory, DirectoryMode);
            changes.Add($"{FileNames.Display(directory)}: mode {Octal(status.Mode)} -> {Octal(DirectoryMode)}");
        }

        foreach (var entry in Directory.EnumerateFileSystemEntries(directory))
        {
            // lstat, not the enumerator's view: a symlink is left alone (chmod would follow it), and so are files
            // that are not ours (the directory's mode already keeps everyone else out).
            var entryStatus = FileKinds.Stat(entry);
            if (entryStatus.Kind is FileTreeKind.Regular or FileTreeKind.Directory
                && entryStatus.OwnerUid == uid
                && (entryStatus.Mode & GroupOrOther) != 0)
            {
                var mode = entryStatus.Kind == FileTreeKind.Directory ? DirectoryMode : FileMode;
                File.SetUnixFileMode(entry, mode);
                changes.Add($"{FileNames.Display(entry)}: mode {Octal(entryStatus.Mode)} -> {Octal(mode)}");
            }
        }

        return changes;
    }

    private static string Octal(UnixFileMode mode) => Convert.ToString((int)mode & 0xFFF, 8).PadLeft(4, '0');
}

internal sealed class PrivateDirectoryException(string message) : Exception(message);
