using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using SigWatch.Core.FileSystem;
using SigWatch.Platform.Interop;

namespace SigWatch.Platform;

/// <summary>What lstat says of a path: its type, permission bits and owner.</summary>
public readonly record struct FileStatus(FileTreeKind Kind, UnixFileMode Mode, uint OwnerUid)
{
    public static FileStatus Missing => new(FileTreeKind.Missing, UnixFileMode.None, 0);
}

/// <summary>
/// lstat-based file typing. .NET's FileSystemInfo cannot tell a socket, FIFO or device from a
/// regular file, and SigWatch must never open a FIFO or device for reading, never delete anything
/// that is not a socket, and never trust a directory another user controls.
/// </summary>
public static class FileKinds
{
    public static FileTreeKind Of(string path) => Stat(path).Kind;

    public static FileStatus Stat(string path) => StatDetails(path).Status;

    /// <summary>lstat with the identity, size and times the seal cache keys on.</summary>
    /// <exception cref="IOException">lstat failed for a reason other than "no such file".</exception>
    public static FileStatDetails StatDetails(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("big-endian hosts are not supported");
        }

        var layout = Libc.CurrentStatLayout()
            ?? throw new PlatformNotSupportedException($"lstat layout unknown on {RuntimeInformation.OSDescription} {RuntimeInformation.ProcessArchitecture}");

        Span<byte> buffer = stackalloc byte[Libc.StatBufferSize];
        int result;
        unsafe
        {
            fixed (byte* p = buffer)
            {
                result = OperatingSystem.IsMacOS() && RuntimeInformation.ProcessArchitecture == Architecture.X64
                    ? Libc.LStatInode64(path, p)
                    : Libc.LStat(path, p);
            }
        }

        if (result != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno is Libc.ENOENT or Libc.ENOTDIR)
            {
                return FileStatDetails.Missing;
            }

            throw new IOException($"lstat({FileNames.Display(path)}) failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})", errno);
        }

        return Decode(buffer, layout);
    }

    /// <summary>
    /// Opens <paramref name="path"/> for reading only if it is, at the moment of opening, a regular file: the last
    /// component is not followed if it is a symlink (O_NOFOLLOW), a FIFO does not block the open (O_NONBLOCK), and the
    /// opened descriptor's own fstat must say regular file. This closes the race in which a file seen as regular by lstat
    /// is swapped for a FIFO, a device or a symlink (to /dev/zero, say) before it is read.
    /// </summary>
    /// <exception cref="IOException">The path cannot be opened, or is not a regular file any more.</exception>
    public static SafeFileHandle OpenRegularFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var layout = Libc.CurrentStatLayout();
        var flags = Libc.ReadNoFollowNonBlockingFlags();
        if (layout is not { } statLayout || flags is not { } openFlags)
        {
            throw new PlatformNotSupportedException($"open/fstat are not described for {RuntimeInformation.OSDescription} {RuntimeInformation.ProcessArchitecture}");
        }

        var fd = Libc.Open(path, openFlags);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException(errno == Libc.ELOOP
                ? $"{FileNames.Display(path)} became a symlink after it was examined; not followed"
                : $"open({FileNames.Display(path)}) failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})", errno);
        }

        var handle = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            Span<byte> buffer = stackalloc byte[Libc.StatBufferSize];
            int result;
            unsafe
            {
                fixed (byte* p = buffer)
                {
                    result = OperatingSystem.IsMacOS() && RuntimeInformation.ProcessArchitecture == Architecture.X64
                        ? Libc.FStatInode64(fd, p)
                        : Libc.FStat(fd, p);
                }
            }

            if (result != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                throw new IOException($"fstat({FileNames.Display(path)}) failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})", errno);
            }

            var kind = Decode(buffer, statLayout).Status.Kind;
            if (kind != FileTreeKind.Regular)
            {
                throw new IOException($"{FileNames.Display(path)} is a {kind} now, not the regular file it was when examined; not read");
            }

            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// pread on a handle <see cref="OpenRegularFile"/> returned: .NET's <see cref="RandomAccess"/> first asks the kernel
    /// whether a handle it did not open can seek (an lseek per file; the seal opens one per resource).
    /// </summary>
    /// <exception cref="IOException">The read failed.</exception>
    public static int ReadAt(SafeFileHandle handle, Span<byte> buffer, long offset)
    {
        ArgumentNullException.ThrowIfNull(handle);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        while (true)
        {
            nint read;
            unsafe
            {
                fixed (byte* p = buffer)
                {
                    read = Libc.PRead(handle, p, (nuint)buffer.Length, offset);
                }
            }

            if (read >= 0)
            {
                return (int)read;
            }

            var errno = Marshal.GetLastPInvokeError();
            if (errno != Libc.EINTR)
            {
                throw new IOException($"read failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})", errno);
            }
        }
    }

    /// <summary>
    /// The entries of a directory (without <c>.</c> and <c>..</c>), each with its lstat facts. Names are read as bytes with
    /// readdir, so a name that is not valid UTF-8 comes back exactly (<see cref="FileNames.Decode"/>), not with U+FFFD as
    /// .NET's enumeration returns it; each is examined with fstatat relative to the directory as opened, handed the bytes
    /// readdir gave: no path is built and walked from the root per entry, and every entry is looked up in the directory
    /// that was listed, even if something above it is renamed meanwhile. An entry gone before it was examined is
    /// <see cref="FileTreeKind.Missing"/>. Sorted by name, ordinally.
    /// </summary>
    /// <exception cref="IOException">The directory cannot be opened or read, or an entry cannot be examined.</exception>
    /// <exception cref="UnauthorizedAccessException">The directory cannot be opened for lack of permission.</exception>
    public static FileTreeEntry[] ListEntries(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("big-endian hosts are not supported");
        }

        var nameOffset = Libc.DirentNameOffset();
        var layout = Libc.CurrentStatLayout();
        var flags = Libc.DirectoryOpenFlags();
        if (nameOffset is not { } offset || layout is not { } statLayout || flags is not { } openFlags)
        {
            throw new PlatformNotSupportedException($"struct dirent, struct stat or open flags are not described for {RuntimeInformation.OSDescription} {RuntimeInformation.ProcessArchitecture}");
        }

        var inode64 = OperatingSystem.IsMacOS() && RuntimeInformation.ProcessArchitecture == Architecture.X64;
        var fd = Libc.Open(directory, openFlags);
        if (fd < 0)
        {
            throw CannotList(directory, Marshal.GetLastPInvokeError());
        }

        using var handle = inode64 ? Libc.FdOpenDirInode64(fd) : Libc.FdOpenDir(fd);
        if (handle.IsInvalid)
        {
            var errno = Marshal.GetLastPInvokeError();
            new SafeFileHandle(fd, ownsHandle: true).Dispose(); // not taken over: still ours to close
            throw CannotList(directory, errno);
        }

        // Entries gather in this thread's list and leave as one array of their exact count: a list per directory, grown
        // by doubling, was most of the memory a 100,000-file walk touched for listings.
        var entries = t_entries ??= new List<FileTreeEntry>(256);
        entries.Clear();
        Span<byte> buffer = stackalloc byte[Libc.StatBufferSize];
        while (true)
        {
            var entry = inode64 ? Libc.ReadDirInode64(handle) : Libc.ReadDir(handle);
            if (entry == IntPtr.Zero)
            {
                // readdir: NULL with errno unchanged (0, the stub clears it) is the end; otherwise a read error.
                var errno = Marshal.GetLastPInvokeError();
                if (errno != 0)
                {
                    throw new IOException($"cannot read the directory {FileNames.Display(directory)}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})", errno);
                }

                // In the order both walks visit entries (FileTreeListing.InOrdinalOrder), sorted once here.
                var listed = CollectionsMarshal.AsSpan(entries);
                listed.Sort(default(ByName));
                var listing = listed.ToArray();
                entries.Clear();
                if (entries.Capacity > MaxKeptEntries)
                {
                    t_entries = null;
                }

                return listing;
            }

            ReadOnlySpan<byte> name;
            int result;
            unsafe
            {
                var rawName = (byte*)entry + offset;
                name = MemoryMarshal.CreateReadOnlySpanFromNullTerminated(rawName);
                if (name.SequenceEqual("."u8) || name.SequenceEqual(".."u8))
                {
                    continue;
                }

                fixed (byte* p = buffer)
                {
                    result = inode64
                        ? Libc.FStatAtInode64(fd, rawName, p, Libc.AtSymlinkNoFollow)
                        : Libc.FStatAt(fd, rawName, p, Libc.AtSymlinkNoFollow);
                }
            }

            var decoded = FileNames.Decode(name);
            FileStatDetails details;
            if (result == 0)
            {
                details = Decode(buffer, statLayout);
            }
            else
            {
                var errno = Marshal.GetLastPInvokeError();
                details = errno is Libc.ENOENT or Libc.ENOTDIR
                    ? FileStatDetails.Missing
                    : throw new IOException($"lstat({FileNames.Display(Path.Join(directory, decoded))}) failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})", errno);
            }

            entries.Add(details.ToEntry(decoded));
        }
    }

    // A thread keeps its list for the next directory up to this many entries; a huge directory's is let go.
    private const int MaxKeptEntries = 16 * 1024;

    [ThreadStatic]
    private static List<FileTreeEntry>? t_entries;

    // A struct comparer: the sort is compiled for it, with no delegate call per comparison.
    private readonly struct ByName : IComparer<FileTreeEntry>
    {
        public int Compare(FileTreeEntry x, FileTreeEntry y) => string.CompareOrdinal(x.Name, y.Name);
    }

    private static Exception CannotList(string directory, int errno)
    {
        var message = $"cannot list {FileNames.Display(directory)}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})";
        return errno == 13 ? new UnauthorizedAccessException(message) : new IOException(message, errno); // EACCES
    }

    /// <summary>The target of a symlink, exactly (bytes decoded as <see cref="FileNames.Decode"/>); null when not a symlink.</summary>
    /// <exception cref="IOException">readlink failed for another reason.</exception>
    public static string? ReadLink(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        for (var size = 256; size <= 1 << 20; size *= 4)
        {
            var buffer = new byte[size];
            nint read;
            unsafe
            {
                fixed (byte* p = buffer)
                {
                    read = Libc.ReadLink(path, p, (nuint)buffer.Length);
                }
            }

            if (read < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno is Libc.EINVAL or Libc.ENOENT or Libc.ENOTDIR)
                {
                    return null; // not a symlink, or gone
                }

                throw new IOException($"readlink({FileNames.Display(path)}) failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})", errno);
            }

            if (read < buffer.Length)
            {
                return FileNames.Decode(buffer.AsSpan(0, (int)read));
            }
        }

        throw new IOException($"the symlink {FileNames.Display(path)} has a target longer than 1 MiB");
    }

    private static FileStatDetails Decode(ReadOnlySpan<byte> buffer, Libc.StatLayout layout)
    {
        var mode = layout.ModeWidth == 2
            ? BinaryPrimitives.ReadUInt16LittleEndian(buffer[layout.ModeOffset..])
            : BinaryPrimitives.ReadUInt32LittleEndian(buffer[layout.ModeOffset..]);
        var uid = BinaryPrimitives.ReadUInt32LittleEndian(buffer[layout.UidOffset..]);
        var kind = (mode & Libc.S_IFMT) switch
        {
            Libc.S_IFREG => FileTreeKind.Regular,
            Libc.S_IFDIR => FileTreeKind.Directory,
            Libc.S_IFLNK => FileTreeKind.Symlink,
            Libc.S_IFSOCK => FileTreeKind.Socket,
            Libc.S_IFIFO => FileTreeKind.Fifo,
            Libc.S_IFCHR => FileTreeKind.CharacterDevice,
            Libc.S_IFBLK => FileTreeKind.BlockDevice,
            _ => FileTreeKind.Unknown,
        };
        var device = layout.DevWidth == 4
            ? BinaryPrimitives.ReadUInt32LittleEndian(buffer[layout.DevOffset..])
            : BinaryPrimitives.ReadUInt64LittleEndian(buffer[layout.DevOffset..]);
        return new FileStatDetails(
            new FileStatus(kind, (UnixFileMode)(mode & 0xFFF), uid),
            device,
            BinaryPrimitives.ReadUInt64LittleEndian(buffer[layout.InoOffset..]),
            BinaryPrimitives.ReadInt64LittleEndian(buffer[layout.SizeOffset..]),
            ReadTimespec(buffer[layout.MTimeOffset..]),
            ReadTimespec(buffer[layout.CTimeOffset..]));
    }

    private static long ReadTimespec(ReadOnlySpan<byte> at) =>
        (BinaryPrimitives.ReadInt64LittleEndian(at) * 1_000_000_000) + BinaryPrimitives.ReadInt64LittleEndian(at[8..]);
}

/// <summary>lstat facts beyond the type: device and inode (identity), size, and mtime/ctime in nanoseconds since the epoch.</summary>
public readonly record struct FileStatDetails(FileStatus Status, ulong Device, ulong Inode, long Size, long ModifiedNanoseconds,
    long ChangedNanoseconds)
{
    public static FileStatDetails Missing => new(FileStatus.Missing, 0, 0, 0, 0, 0);

    /// <summary>These facts as the entry <paramref name="name"/> of a listing.</summary>
    public FileTreeEntry ToEntry(string name) => new(name, Status.Kind, Size, ModifiedNanoseconds, ChangedNanoseconds, Device, Inode);
}
