namespace SigWatch.Core.FileSystem;

/// <summary>How reading a small file went.</summary>
public enum SmallFileStatus
{
    /// <summary>Read whole; <see cref="SmallFile.Bytes"/> holds it.</summary>
    Read,

    /// <summary>Nothing at that path.</summary>
    Missing,

    /// <summary>Something other than a regular file (directory, symlink, FIFO, device, socket): never opened.</summary>
    NotRegular,

    /// <summary>Larger than the cap: not read.</summary>
    TooLarge,

    /// <summary>Exists but cannot be read (permissions, I/O error, swapped for something else while being opened).</summary>
    Unreadable,
}

/// <summary>The outcome of <see cref="FileTreeReads.ReadSmallFile"/>: the bytes, or why there are none.</summary>
public readonly record struct SmallFile(SmallFileStatus Status, ReadOnlyMemory<byte> Bytes, FileTreeEntry Entry, string? Problem)
{
    public bool IsRead => Status == SmallFileStatus.Read;

    /// <summary>The bytes when read; null otherwise (a null, not an empty memory, so "absent" stays apart from "empty").</summary>
    public ReadOnlyMemory<byte>? BytesOrNull => IsRead ? Bytes : null;
}

/// <summary>Reads through the <see cref="IFileTree"/> seam that every part of Core uses to touch the disk.</summary>
public static class FileTreeReads
{
    /// <summary>
    /// Reads a small file (Info.plist, CodeResources, version.plist, an executable) whole, only if it is a regular file —
    /// judged by lstat and again on the opened descriptor (<see cref="IFileTree.OpenRead"/>), so a FIFO never blocks the
    /// reader — and at most <paramref name="maxBytes"/> bytes, even if it grows while being read. Never throws for what
    /// it finds on disk.
    /// </summary>
    public static SmallFile ReadSmallFile(this IFileTree tree, string path, long maxBytes)
    {
        ArgumentNullException.ThrowIfNull(tree);
        FileTreeEntry entry;
        try
        {
            entry = tree.Stat(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new SmallFile(SmallFileStatus.Unreadable, default, new FileTreeEntry(Path.GetFileName(path), FileTreeKind.Unknown, 0, 0, 0, 0, 0),
                $"cannot examine it: {e.Message}");
        }

        switch (entry.Kind)
        {
            case FileTreeKind.Missing:
                return new SmallFile(SmallFileStatus.Missing, default, entry, null);
            case not FileTreeKind.Regular:
                return new SmallFile(SmallFileStatus.NotRegular, default, entry, $"is a {Describe(entry.Kind)}, not a regular file; not opened");
        }

        maxBytes = Math.Min(maxBytes, Array.MaxLength - 1);
        if (entry.Size > maxBytes)
        {
            return new SmallFile(SmallFileStatus.TooLarge, default, entry, $"is {entry.Size} bytes, more than the {maxBytes} read for such a file");
        }

        try
        {
            using var stream = tree.OpenRead(path);
            var buffer = new byte[Math.Min(entry.Size, maxBytes) + 1];
            var length = 0;
            int read;
            while (length < buffer.Length && (read = stream.Read(buffer, length, buffer.Length - length)) > 0)
            {
                length += read;
            }

            return length > maxBytes
                ? new SmallFile(SmallFileStatus.TooLarge, default, entry, $"grew past {maxBytes} bytes while being read")
                : new SmallFile(SmallFileStatus.Read, buffer.AsMemory(0, length), entry, null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new SmallFile(SmallFileStatus.Unreadable, default, entry, $"cannot read it: {e.Message}");
        }
    }

    /// <summary>lstat of <paramref name="path"/>; an entry of kind <see cref="FileTreeKind.Unknown"/> when it cannot be examined.</summary>
    public static FileTreeEntry StatOrUnknown(this IFileTree tree, string path)
    {
        ArgumentNullException.ThrowIfNull(tree);
        try
        {
            return tree.Stat(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new FileTreeEntry(Path.GetFileName(path), FileTreeKind.Unknown, 0, 0, 0, 0, 0);
        }
    }

    /// <summary>A kind in words: "FIFO", "directory", "symbolic link"….</summary>
    public static string Describe(FileTreeKind kind) => kind switch
    {
        FileTreeKind.Regular => "regular file",
        FileTreeKind.Directory => "directory",
        FileTreeKind.Symlink => "symbolic link",
        FileTreeKind.Socket => "socket",
        FileTreeKind.Fifo => "FIFO",
        FileTreeKind.CharacterDevice => "character device",
        FileTreeKind.BlockDevice => "block device",
        FileTreeKind.Missing => "missing entry",
        _ => "file of unknown type",
    };
}
