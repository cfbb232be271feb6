using System.Runtime.InteropServices;
using System.Runtime.InteropServices.Marshalling;

namespace SigWatch.Platform.Interop;

internal static partial class Libc
{
    // open(2) is variadic; the mode argument is only read with O_CREAT, so declaring the two fixed arguments is safe on
    // every ABI we run on (arm64 Darwin passes variadic arguments on the stack, which is why none is declared).
    [LibraryImport(Libraries.Libc, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Open([MarshalUsing(typeof(PathMarshaller))] string path, int flags);

    [LibraryImport(Libraries.Libc, EntryPoint = "fstat", SetLastError = true)]
    internal static unsafe partial int FStat(int fd, byte* buffer);

    // Darwin x86_64: the 64-bit-inode variant under its suffixed name, as for lstat (<sys/stat.h>, __DARWIN_INODE64).
    [LibraryImport(Libraries.Libc, EntryPoint = "fstat$INODE64", SetLastError = true)]
    internal static unsafe partial int FStatInode64(int fd, byte* buffer);

    // unistd.h: off_t is 64 bits on every LP64 target we build for (glibc x86_64/aarch64, Darwin).
    [LibraryImport(Libraries.Libc, EntryPoint = "pread", SetLastError = true)]
    internal static unsafe partial nint PRead(Microsoft.Win32.SafeHandles.SafeFileHandle fd, byte* buffer, nuint count, long offset);

    // EINTR: Linux asm-generic/errno-base.h and Darwin sys/errno.h both 4.
    internal const int EINTR = 4;

    /// <summary>
    /// The open(2) flag bits we use, for this process (O_RDONLY is 0 everywhere). Darwin sys/fcntl.h: O_NONBLOCK 0x4,
    /// O_NOFOLLOW 0x100, O_DIRECTORY 0x100000, O_CLOEXEC 0x1000000. Linux asm-generic/fcntl.h (x86_64): O_NONBLOCK 04000,
    /// O_NOFOLLOW 0400000, O_DIRECTORY 0200000, O_CLOEXEC 02000000; arm64 (arch/arm64/include/uapi/asm/fcntl.h) moves
    /// O_DIRECTORY to 040000 and O_NOFOLLOW to 0100000. Null where unknown.
    /// </summary>
    internal readonly record struct OpenFlagBits(int NonBlock, int NoFollow, int Directory, int CloseOnExec)
    {
        public static OpenFlagBits? Current =>
            OperatingSystem.IsMacOS() ? new OpenFlagBits(0x4, 0x100, 0x100000, 0x1000000)
            : !OperatingSystem.IsLinux() ? null
            : RuntimeInformation.ProcessArchitecture switch
            {
                Architecture.X64 => new OpenFlagBits(0x800, 0x20000, 0x10000, 0x80000),
                Architecture.Arm64 => new OpenFlagBits(0x800, 0x8000, 0x4000, 0x80000),
                _ => null,
            };
    }

    /// <summary>
    /// O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC: open a path only if its last component is not a symlink, without
    /// blocking on a FIFO. Null where the bits are unknown.
    /// </summary>
    internal static int? ReadNoFollowNonBlockingFlags() =>
        OpenFlagBits.Current is { } bits ? bits.NoFollow | bits.NonBlock | bits.CloseOnExec : null;

    /// <summary>
    /// O_RDONLY | O_NONBLOCK | O_DIRECTORY | O_CLOEXEC, the flags opendir itself opens with (glibc opendir.c; Darwin
    /// Libc opendir.c __opendir2). Null where the bits are unknown.
    /// </summary>
    internal static int? DirectoryOpenFlags() =>
        OpenFlagBits.Current is { } bits ? bits.NonBlock | bits.Directory | bits.CloseOnExec : null;

    // ELOOP: the last component is a symlink and O_NOFOLLOW was given (Linux asm-generic/errno.h 40; Darwin sys/errno.h 62).
    internal static int ELOOP => OperatingSystem.IsMacOS() ? 62 : 40;
}
