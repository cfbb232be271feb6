using SigWatch.Core.Seal;

namespace SigWatch.Platform;

/// <summary>
/// <see cref="IFileTree"/> over the real file system: .NET lists the names, <c>lstat</c> types every entry (so a FIFO or
/// device is never mistaken for a file), and only entries seen as regular files are opened — and only if they still are
/// when opened (<see cref="FileKinds.OpenRegularFile"/>: no symlink followed, no FIFO waited on, fstat checked), so a
/// file swapped for a FIFO, device or symlink between the walk and the read is reported, never read.
/// </summary>
public sealed class LstatFileTree : IFileTree
{
    public static LstatFileTree Instance { get; } = new();

    private static readonly EnumerationOptions s_listing = new()
    {
        RecurseSubdirectories = false,
        IgnoreInaccessible = false,
        AttributesToSkip = 0,
        ReturnSpecialDirectories = false,
    };

    public FileTreeEntry Stat(string path) => ToEntry(Path.GetFileName(path), FileKinds.StatDetails(path));

    public IReadOnlyList<FileTreeEntry> List(string directory)
    {
        var entries = new List<FileTreeEntry>();
        foreach (var path in Directory.EnumerateFileSystemEntries(directory, "*", s_listing))
        {
            entries.Add(ToEntry(Path.GetFileName(path), FileKinds.StatDetails(path)));
        }

        return entries;
    }

    public Stream OpenRead(string path) => new FileStream(FileKinds.OpenRegularFile(path), FileAccess.Read, bufferSize: 0);

    public string? ReadLink(string path) => FileKinds.Of(path) == FileKind.Symlink ? new FileInfo(path).LinkTarget : null;

    private static FileTreeEntry ToEntry(string name, FileStatDetails stat) => new(name, stat.Status.Kind switch
    {
        FileKind.Missing => FileTreeKind.Missing,
        FileKind.Regular => FileTreeKind.Regular,
        FileKind.Directory => FileTreeKind.Directory,
        FileKind.Symlink => FileTreeKind.Symlink,
        FileKind.Socket => FileTreeKind.Socket,
        FileKind.Fifo => FileTreeKind.Fifo,
        FileKind.CharacterDevice => FileTreeKind.CharacterDevice,
        FileKind.BlockDevice => FileTreeKind.BlockDevice,
        _ => FileTreeKind.Unknown,
    }, stat.Size, stat.ModifiedNanoseconds, stat.ChangedNanoseconds, stat.Device, stat.Inode);
}
