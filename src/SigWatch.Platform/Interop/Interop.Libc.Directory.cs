using System.Runtime.InteropServices;
using System.Runtime.InteropServices.Marshalling;

namespace SigWatch.Platform.Interop;

internal static partial class Libc
{
    // dirent.h. The names come back as bytes, so a name that is not valid UTF-8 is listed exactly (FileNames.Decode);
    // .NET's own enumeration substitutes U+FFFD and loses it. fdopendir takes the descriptor over (closedir closes it);
    // the caller keeps using it for fstatat, which POSIX allows (only closing it, or moving its offset other than through
    // readdir, is undefined). Darwin x86_64: the 64-bit-inode variants carry the suffix (<dirent.h>, __DARWIN_INODE64),
    // as for lstat.
    [LibraryImport(Libraries.Libc, EntryPoint = "fdopendir", SetLastError = true)]
    internal static partial SafeDirectoryHandle FdOpenDir(int fd);

    [LibraryImport(Libraries.Libc, EntryPoint = "fdopendir$INODE64", SetLastError = true)]
    internal static partial SafeDirectoryHandle FdOpenDirInode64(int fd);

    [LibraryImport(Libraries.Libc, EntryPoint = "readdir", SetLastError = true)]
    internal static partial IntPtr ReadDir(SafeDirectoryHandle directory);

    [LibraryImport(Libraries.Libc, EntryPoint = "readdir$INODE64", SetLastError = true)]
    internal static partial IntPtr ReadDirInode64(SafeDirectoryHandle directory);

    [LibraryImport(Libraries.Libc, EntryPoint = "closedir", SetLastError = true)]
    internal static partial int CloseDir(IntPtr directory);

    /// <summary>
    /// Offset of <c>d_name</c> in this process's <c>struct dirent</c>. glibc 64-bit (bits/dirent.h): d_ino u64@0,
    /// d_off i64@8, d_reclen u16@16, d_type u8@18, d_name@19. Darwin 64-bit inode (sys/dirent.h __DARWIN_STRUCT_DIRENTRY):
    /// d_ino u64@0, d_seekoff u64@8, d_reclen u16@16, d_namlen u16@18, d_type u8@20, d_name@21. Null where unknown.
    /// </summary>
    internal static int? DirentNameOffset() =>
        OperatingSystem.IsMacOS() ? 21
        : OperatingSystem.IsLinux() && Environment.Is64BitProcess ? 19
        : null;

    // unistd.h: readlink does not terminate the buffer; a result equal to its size may be truncated.
    [LibraryImport(Libraries.Libc, EntryPoint = "readlink", SetLastError = true)]
    internal static unsafe partial nint ReadLink([MarshalUsing(typeof(PathMarshaller))] string path, byte* buffer, nuint size);

    internal const int EINVAL = 22;
}

/// <summary>A <c>DIR*</c> from opendir, closed with closedir.</summary>
internal sealed class SafeDirectoryHandle : SafeHandle
{
    public SafeDirectoryHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle() => Libc.CloseDir(handle) == 0;
}
