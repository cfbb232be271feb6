using SigWatch.Core.FileSystem;

namespace SigWatch.Platform;

/// <summary>
/// <see cref="IFileTree"/> over the real file system: readdir lists the names as bytes (so a name that is not UTF-8 is kept
/// exactly, <see cref="FileNames"/>), <c>fstatat</c> (lstat's view, inside the directory as it was opened) types every entry (so a FIFO or device is never mistaken for a file),
/// and only entries seen as regular files are opened — and only if they still are when opened (<see cref="FileKinds.OpenRegularFile"/>: no symlink followed, no FIFO waited on, fstat checked), so a
/// file swapped for a FIFO, device or symlink between the walk and the read is reported, never read.
/// </summary>
public sealed class LstatFileTree : IFileTree
{
    public static LstatFileTree Instance { get; } = new();

    public FileTreeEntry Stat(string path) => FileKinds.StatDetails(path).ToEntry(Path.GetFileName(path));

    public IReadOnlyList<FileTreeEntry> List(string directory) => FileKinds.ListEntries(directory);

    public Stream OpenRead(string path) => new FileStream(FileKinds.OpenRegularFile(path), FileAccess.Read, bufferSize: 0);

    public Microsoft.Win32.SafeHandles.SafeFileHandle OpenHandle(string path) => FileKinds.OpenRegularFile(path);

    public int ReadAt(Microsoft.Win32.SafeHandles.SafeFileHandle handle, Span<byte> buffer, long offset) => FileKinds.ReadAt(handle, buffer, offset);

    public string? ReadLink(string path) => FileKinds.ReadLink(path);
}
