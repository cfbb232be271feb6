using System.Runtime.InteropServices;
using SigWatch.Core.FileSystem;

namespace SigWatch.TestSupport;

/// <summary>
/// Makes files and directories whose names are not valid UTF-8, which .NET's own file APIs cannot create (they encode the
/// name as UTF-8). Paths are strings in <see cref="FileNames"/> form; Linux only (Darwin's file systems refuse such names).
/// </summary>
public static partial class RawPaths
{
    // Linux asm-generic/fcntl.h: O_WRONLY 01, O_CREAT 0100, O_TRUNC 01000.
    private const int LinuxCreateFlags = 0x1 | 0x40 | 0x200;

    /// <summary><paramref name="directory"/>/<paramref name="name"/> where the name is given as bytes.</summary>
    public static string Join(string directory, ReadOnlySpan<byte> name) => Path.Join(directory, FileNames.Decode(name));

    public static void CreateFile(string path, ReadOnlySpan<byte> content)
    {
        var fd = Open(Terminated(path), LinuxCreateFlags, 0x1A4);
        Check(fd >= 0, "open", path);
        try
        {
            var written = Write(fd, content.ToArray(), (nuint)content.Length);
            Check(written == content.Length, "write", path);
        }
        finally
        {
            _ = Close(fd);
        }
    }

    public static void CreateDirectory(string path) => Check(MakeDirectory(Terminated(path), 0x1ED) == 0, "mkdir", path);

    public static void CreateSymlink(string path, string target) => Check(Symlink(Terminated(target), Terminated(path)) == 0, "symlink", path);

    /// <summary>A FIFO at <paramref name="path"/> (opening it for reading would block until a writer comes).</summary>
    public static void CreateFifo(string path) => Check(MakeFifo(Terminated(path), 0x1A4) == 0, "mkfifo", path);

    public static void Rename(string from, string to) => Check(RenameCore(Terminated(from), Terminated(to)) == 0, "rename", from);

    private static byte[] Terminated(string path) => [.. FileNames.Encode(path), 0];

    private static void Check(bool ok, string call, string path)
    {
        if (!ok)
        {
            throw new IOException($"{call}({FileNames.Display(path)}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [LibraryImport("libc.so.6", EntryPoint = "open", SetLastError = true)]
    private static partial int Open(byte[] path, int flags, int mode);

    [LibraryImport("libc.so.6", EntryPoint = "write", SetLastError = true)]
    private static partial nint Write(int fd, byte[] buffer, nuint count);

    [LibraryImport("libc.so.6", EntryPoint = "close")]
    private static partial int Close(int fd);

    [LibraryImport("libc.so.6", EntryPoint = "mkdir", SetLastError = true)]
    private static partial int MakeDirectory(byte[] path, int mode);

    [LibraryImport("libc.so.6", EntryPoint = "symlink", SetLastError = true)]
    private static partial int Symlink(byte[] target, byte[] path);

    [LibraryImport("libc.so.6", EntryPoint = "mkfifo", SetLastError = true)]
    private static partial int MakeFifo(byte[] path, int mode);

    [LibraryImport("libc.so.6", EntryPoint = "rename", SetLastError = true)]
    private static partial int RenameCore(byte[] from, byte[] to);
}
