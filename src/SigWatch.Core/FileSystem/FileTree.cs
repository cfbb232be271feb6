namespace SigWatch.Core.FileSystem;

/// <summary>The type of a directory entry as <c>lstat</c> reports it; a symlink is never followed.</summary>
public enum FileTreeKind
{
    Missing,
    Regular,
    Directory,
    Symlink,
    Socket,
    Fifo,
    CharacterDevice,
    BlockDevice,
    Unknown,
}

/// <summary>
/// One entry with the <c>lstat</c> facts the seal walk and the hash cache need. Times are nanoseconds since the Unix
/// epoch. <see cref="Name"/> is the entry's own name exactly as the directory listing returned it (never normalized).
/// </summary>
public readonly record struct FileTreeEntry(string Name, FileTreeKind Kind, long Size, long ModifiedNanoseconds,
    long ChangedNanoseconds, ulong Device, ulong Inode)
{
    public DateTimeOffset Modified => DateTimeOffset.UnixEpoch.AddTicks(ModifiedNanoseconds / 100);
}

/// <summary>Directory listings in the order both walks visit them.</summary>
public static class FileTreeListing
{
    /// <summary>
    /// <paramref name="entries"/> by name, ordinally: the list itself when it already is (the real tree lists that way;
    /// both walks of a first assessment get the same listing, and the check is one comparison per entry), else a sorted copy.
    /// </summary>
    public static IReadOnlyList<FileTreeEntry> InOrdinalOrder(IReadOnlyList<FileTreeEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        for (var i = 1; i < entries.Count; i++)
        {
            if (string.CompareOrdinal(entries[i - 1].Name, entries[i].Name) > 0)
            {
                var sorted = entries.ToArray();
                Array.Sort(sorted, static (a, b) => string.CompareOrdinal(a.Name, b.Name));
                return sorted;
            }
        }

        return entries;
    }
}

/// <summary>
/// The file-system seam of the seal walk. .NET cannot tell a FIFO or device from a regular file, and opening a FIFO
/// blocks, so Core never touches the disk itself: SigWatch.Platform implements this with <c>lstat</c>.
/// Implementations never follow a symlink in <see cref="Stat"/> or <see cref="List"/>.
/// </summary>
public interface IFileTree
{
    /// <summary>lstat of one path; <see cref="FileTreeKind.Missing"/> when it does not exist.</summary>
    /// <exception cref="IOException">The path exists but cannot be examined.</exception>
    FileTreeEntry Stat(string path);

    /// <summary>The entries of a directory (without <c>.</c> and <c>..</c>), each with its lstat facts.</summary>
    /// <exception cref="IOException">The directory cannot be listed.</exception>
    /// <exception cref="UnauthorizedAccessException">The directory cannot be listed.</exception>
    IReadOnlyList<FileTreeEntry> List(string directory);

    /// <summary>Opens a file the caller has seen as <see cref="FileTreeKind.Regular"/> for sequential reading.</summary>
    Stream OpenRead(string path);

    /// <summary>
    /// The same file as <see cref="OpenRead"/>, as a handle for positional reads (no stream around it: the seal hashes
    /// tens of thousands of small files, one read each); null when the tree has no handles, and then
    /// <see cref="OpenRead"/> is used.
    /// </summary>
    Microsoft.Win32.SafeHandles.SafeFileHandle? OpenHandle(string path) => null;

    /// <summary>
    /// Reads from a handle <see cref="OpenHandle"/> returned, at <paramref name="offset"/>; 0 at the end of the file. A tree
    /// may read without <see cref="RandomAccess"/>'s first-use probe of the handle (an lseek per file opened).
    /// </summary>
    /// <exception cref="IOException">The read failed.</exception>
    int ReadAt(Microsoft.Win32.SafeHandles.SafeFileHandle handle, Span<byte> buffer, long offset) => RandomAccess.Read(handle, buffer, offset);

    /// <summary>The target of a symlink, verbatim; null when <paramref name="path"/> is not a symlink.</summary>
    string? ReadLink(string path);
}
