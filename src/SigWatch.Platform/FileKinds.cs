using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using SigWatch.Platform.Interop;

namespace SigWatch.Platform;

/// <summary>The type of a directory entry as <c>lstat</c> sees it (a symlink is never followed).</summary>
public enum FileKind
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

/// <summary>What lstat says of a path: its type, permission bits and owner.</summary>
public readonly record struct FileStatus(FileKind Kind, UnixFileMode Mode, uint OwnerUid)
{
    public static FileStatus Missing => new(FileKind.Missing, UnixFileMode.None, 0);
}

/// <summary>
/// lstat-based file typing. .NET's FileSystemInfo cannot tell a socket, FIFO or device from a
/// regular file, and SigWatch must never open a FIFO or device for reading, never delete anything
/// that is not a socket, and never trust a directory another user controls.
/// </summary>
public static class FileKinds
{
    public static FileKind Of(string path) => Stat(path).Kind;

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

            throw new IOException($"lstat({path}) failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})", errno);
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
                ? $"{path} became a symlink after it was examined; not followed"
                : $"open({path}) failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})", errno);
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
                throw new IOException($"fstat({path}) failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})", errno);
            }

            var kind = Decode(buffer, statLayout).Status.Kind;
            if (kind != FileKind.Regular)
            {
                throw new IOException($"{path} is a {kind} now, not the regular file it was when examined; not read");
            }

            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static FileStatDetails Decode(ReadOnlySpan<byte> buffer, Libc.StatLayout layout)
    {
        var mode = layout.ModeWidth == 2
            ? BinaryPrimitives.ReadUInt16LittleEndian(buffer[layout.ModeOffset..])
            : BinaryPrimitives.ReadUInt32LittleEndian(buffer[layout.ModeOffset..]);
        var uid = BinaryPrimitives.ReadUInt32LittleEndian(buffer[layout.UidOffset..]);
        var kind = (mode & Libc.S_IFMT) switch
        {
            Libc.S_IFREG => FileKind.Regular,
            Libc.S_IFDIR => FileKind.Directory,
            Libc.S_IFLNK => FileKind.Symlink,
            Libc.S_IFSOCK => FileKind.Socket,
            Libc.S_IFIFO => FileKind.Fifo,
            Libc.S_IFCHR => FileKind.CharacterDevice,
            Libc.S_IFBLK => FileKind.BlockDevice,
            _ => FileKind.Unknown,
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
}
