using System.Collections.Concurrent;
using SigWatch.Core.CodeSigning;
using SigWatch.Core.FileSystem;

namespace SigWatch.Core.Seal;

/// <summary>
/// Identifies one state of one file. The cache trusts that a file whose device, inode, size, mtime and ctime are all
/// unchanged still has the same contents. mtime can be set from user space (<c>touch</c>, <c>utimes</c>), ctime cannot:
/// every write, chmod, rename or utimes call moves ctime to "now" in the kernel, so a content change that restores mtime
/// still changes ctime. What the key does not survive: a volume whose clock or ctime is forged by root or by a
/// different OS mounting the disk, and a write within the timestamp granularity of the file system that keeps the size.
/// Callers keep a periodic full re-hash (the daemon does) for those.
/// </summary>
public readonly record struct FileHashKey(string Path, ulong Device, ulong Inode, long Size, long ModifiedNanoseconds,
    long ChangedNanoseconds, CodeHashType HashType)
{
    public static FileHashKey For(string path, in FileTreeEntry entry, CodeHashType hashType) =>
        new(path, entry.Device, entry.Inode, entry.Size, entry.ModifiedNanoseconds, entry.ChangedNanoseconds, hashType);
}

/// <summary>
/// The per-file digest cache of incremental re-verification. Implementations must be safe for concurrent use: the seal
/// walk hashes in parallel. The daemon backs it with its SQLite store; <c>check --cache FILE</c> uses
/// <see cref="FileBackedHashCache"/>.
/// </summary>
public interface IFileHashCache
{
    bool TryGet(in FileHashKey key, out byte[] digest);

    void Set(in FileHashKey key, byte[] digest);
}

/// <summary>A process-lifetime cache. Keyed by path, so a changed file replaces its stale entry.</summary>
public class InMemoryFileHashCache : IFileHashCache
{
    private readonly ConcurrentDictionary<(string Path, CodeHashType Type), (FileHashKey Key, byte[] Digest)> _entries = new();

    public int Count => _entries.Count;

    public bool TryGet(in FileHashKey key, out byte[] digest)
    {
        if (_entries.TryGetValue((key.Path, key.HashType), out var entry) && entry.Key == key)
        {
            digest = entry.Digest;
            return true;
        }

        digest = [];
        return false;
    }

    public void Set(in FileHashKey key, byte[] digest)
    {
        _entries[(key.Path, key.HashType)] = (key, digest);
        IsDirty = true;
    }

    /// <summary>True once an entry was added or replaced since construction or <see cref="MarkClean"/>.</summary>
    public bool IsDirty { get; private set; }

    protected void MarkClean() => IsDirty = false;

    protected IEnumerable<(FileHashKey Key, byte[] Digest)> Entries => _entries.Values;
}

/// <summary>
/// An <see cref="InMemoryFileHashCache"/> loaded from and saved to a tab-separated text file (one line per entry:
/// hash type, device, inode, size, mtime ns, ctime ns, hex digest, path). A line that does not parse is skipped, so a
/// damaged cache only costs re-hashing. Paths containing a tab or newline are not persisted.
/// </summary>
public sealed class FileBackedHashCache : InMemoryFileHashCache
{
    private const string Header = "# sigwatch file-hash cache v1";
    private readonly string _file;

    private FileBackedHashCache(string file) => _file = file;

    /// <summary>Loads <paramref name="file"/> when it exists; a missing file is an empty cache.</summary>
    public static FileBackedHashCache Load(string file)
    {
        var cache = new FileBackedHashCache(file);
        if (!File.Exists(file))
        {
            return cache;
        }

        foreach (var line in File.ReadLines(file))
        {
            var parts = line.Split('\t');
            if (parts.Length != 8 || line.StartsWith('#')
                || !byte.TryParse(parts[0], out var type) || !ulong.TryParse(parts[1], out var dev) || !ulong.TryParse(parts[2], out var ino)
                || !long.TryParse(parts[3], out var size) || !long.TryParse(parts[4], out var mtime) || !long.TryParse(parts[5], out var ctime))
            {
                continue;
            }

            byte[] digest;
            try
            {
                digest = Convert.FromHexString(parts[6]);
            }
            catch (FormatException)
            {
                continue;
            }

            cache.Set(new FileHashKey(parts[7], dev, ino, size, mtime, ctime, (CodeHashType)type), digest);
        }

        cache.MarkClean();
        return cache;
    }

    /// <summary>Writes every entry to a temporary file and renames it over the cache file; nothing when no entry changed.</summary>
    public void Save()
    {
        if (!IsDirty && File.Exists(_file))
        {
            return;
        }

        var temporary = _file + ".tmp";
        using (var writer = new StreamWriter(temporary))
        {
            writer.WriteLine(Header);
            foreach (var (key, digest) in Entries)
            {
                if (key.Path.AsSpan().IndexOfAny('\t', '\n', '\r') >= 0)
                {
                    continue;
                }

                writer.WriteLine($"{(byte)key.HashType}\t{key.Device}\t{key.Inode}\t{key.Size}\t{key.ModifiedNanoseconds}\t{key.ChangedNanoseconds}\t{Convert.ToHexStringLower(digest)}\t{key.Path}");
            }
        }

        File.Move(temporary, _file, overwrite: true);
        MarkClean();
    }
}
