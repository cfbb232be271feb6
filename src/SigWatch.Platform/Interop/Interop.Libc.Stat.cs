using System.Runtime.InteropServices;
using System.Runtime.InteropServices.Marshalling;

namespace SigWatch.Platform.Interop;

internal static partial class Libc
{
    /// <summary>
    /// A buffer comfortably larger than every <c>struct stat</c> we call with: glibc x86_64 is 144 bytes,
    /// glibc aarch64 128, Darwin's 64-bit-inode stat 144.
    /// </summary>
    internal const int StatBufferSize = 256;

    // glibc exports lstat as a real symbol since 2.33 (earlier only __lxstat); Debian 12 ships 2.36.
    [LibraryImport(Libraries.Libc, EntryPoint = "lstat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static unsafe partial int LStat([MarshalUsing(typeof(PathMarshaller))] string path, byte* buffer);

    // Darwin x86_64 keeps the legacy 32-bit-inode lstat under the plain name; the 64-bit-inode
    // variant (the layout we decode) is lstat$INODE64 (<sys/stat.h>, __DARWIN_INODE64). On arm64 the
    // plain name is already the 64-bit-inode one.
    [LibraryImport(Libraries.Libc, EntryPoint = "lstat$INODE64", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static unsafe partial int LStatInode64([MarshalUsing(typeof(PathMarshaller))] string path, byte* buffer);

    // fstatat(2) on a name inside an open directory: no path walk from the root per entry, and the entry is looked up in
    // the directory that was listed even if a parent is renamed meanwhile. Darwin x86_64: $INODE64 as for lstat.
    [LibraryImport(Libraries.Libc, EntryPoint = "fstatat", SetLastError = true)]
    internal static unsafe partial int FStatAt(int directoryFd, byte* name, byte* buffer, int flags);

    [LibraryImport(Libraries.Libc, EntryPoint = "fstatat$INODE64", SetLastError = true)]
    internal static unsafe partial int FStatAtInode64(int directoryFd, byte* name, byte* buffer, int flags);

    // AT_SYMLINK_NOFOLLOW: lstat's behaviour for fstatat. Linux uapi/linux/fcntl.h 0x100; Darwin sys/fcntl.h 0x0020.
    internal static int AtSymlinkNoFollow => OperatingSystem.IsMacOS() ? 0x20 : 0x100;

    /// <summary>
    /// Where the fields we read sit in this process's <c>struct stat</c>. Times are <c>struct timespec</c> (i64 seconds,
    /// then i64 nanoseconds); <c>st_dev</c> is 8 bytes on Linux and a 4-byte <c>dev_t</c> on Darwin.
    /// </summary>
    internal readonly record struct StatLayout(int ModeOffset, int ModeWidth, int UidOffset, int DevOffset, int DevWidth,
        int InoOffset, int SizeOffset, int MTimeOffset, int CTimeOffset);

    /// <summary>
    /// Linux x86_64 (arch/x86/include/uapi/asm/stat.h): dev u64@0, ino u64@8, nlink u64@16, mode u32@24,
    /// uid u32@28, gid u32@32, pad@36, rdev u64@40, size i64@48, blksize@56, blocks@64, atim@72, mtim@88, ctim@104.
    /// Linux aarch64 (asm-generic/stat.h): dev u64@0, ino u64@8, mode u32@16, nlink u32@20, uid u32@24, gid@28,
    /// rdev u64@32, pad@40, size i64@48, blksize i32@56, pad@60, blocks@64, atim@72, mtim@88, ctim@104.
    /// Darwin 64-bit-inode stat (sys/stat.h __DARWIN_STRUCT_STAT64): dev i32@0, mode u16@4, nlink u16@6, ino u64@8,
    /// uid u32@16, gid@20, rdev i32@24, (pad to 8) atimespec@32, mtimespec@48, ctimespec@64, birthtimespec@80, size i64@96.
    /// </summary>
    internal static StatLayout? CurrentStatLayout()
    {
        if (OperatingSystem.IsMacOS())
        {
            return new StatLayout(4, 2, 16, 0, 4, 8, 96, 48, 64);
        }

        if (OperatingSystem.IsLinux())
        {
            return RuntimeInformation.ProcessArchitecture switch
            {
                Architecture.X64 => new StatLayout(24, 4, 28, 0, 8, 8, 48, 88, 104),
                Architecture.Arm64 => new StatLayout(16, 4, 24, 0, 8, 8, 48, 88, 104),
                _ => null,
            };
        }

        return null;
    }

    // <sys/stat.h> file-type bits; identical on Linux and Darwin.
    internal const uint S_IFMT = 0xF000;
    internal const uint S_IFIFO = 0x1000;
    internal const uint S_IFCHR = 0x2000;
    internal const uint S_IFDIR = 0x4000;
    internal const uint S_IFBLK = 0x6000;
    internal const uint S_IFREG = 0x8000;
    internal const uint S_IFLNK = 0xA000;
    internal const uint S_IFSOCK = 0xC000;

    // errno values used by callers (Linux asm-generic/errno-base.h; Darwin sys/errno.h agree on these).
    internal const int ENOENT = 2;
    internal const int ENOTDIR = 20;
}
