using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using SigWatch.Core.FileSystem;

namespace SigWatch.Core.Bundles;

/// <summary>
/// The tree part of an inspection: file count, size, a change fingerprint, the files carrying com.apple.quarantine and
/// what could not be read, kept per directory. <see cref="Update"/> takes the paths a watcher reported and re-lists only
/// the directories they are in (walking new directories whole), so re-inspecting a large bundle after a small change
/// costs the changed directories, not the tree. Symlinks are listed, never followed; depth and entries are bounded.
/// Immutable: an update returns a new inventory.
/// </summary>
public sealed class BundleInventory
{
    /// <summary>Prefix of <see cref="Fingerprint"/>: fingerprints of another scheme are not comparable with this one.</summary>
    public const string FingerprintScheme = "v3:";

    public const int MaxDepth = 256;

    public const int MaxEntries = 2_000_000;

    // "" is the bundle directory; keys are '/'-separated paths relative to it.
    private readonly Dictionary<string, DirectoryRecord> _directories;

    private BundleInventory(string root, Dictionary<string, DirectoryRecord> directories, bool truncated)
    {
        Root = root;
        _directories = directories;
        Truncated = truncated;
        var fingerprint = new StringBuilder();
        var quarantined = new List<string>();
        var problems = new List<string>();
        foreach (var (path, record) in directories.OrderBy(d => d.Key, StringComparer.Ordinal))
        {
            Files += record.Files;
            Bytes += record.Bytes;
            Entries += record.Entries;
            quarantined.AddRange(record.Quarantined);
            problems.AddRange(record.Problems);
            fingerprint.Append(path).Append('\0').Append(Convert.ToHexStringLower(record.Hash)).Append('\n');
        }

        if (truncated)
        {
            problems.Add($"more than {MaxEntries} entries; the rest of the tree was not walked");
        }

        Quarantined = [.. quarantined.Select(FileNames.Display).Order(StringComparer.Ordinal)];
        Problems = problems;
        Fingerprint = FingerprintScheme + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(fingerprint.ToString())));
    }

    /// <summary>The inventory of a single file (a download): nothing to walk; its facts carry its size and identity.</summary>
    public static BundleInventory OfFile(string path) => new(path, new Dictionary<string, DirectoryRecord>(StringComparer.Ordinal), truncated: false);

    public string Root { get; }

    /// <summary>Regular files (not symlinks) in the tree.</summary>
    public long Files { get; }

    public long Bytes { get; }

    /// <summary>Entries of every kind.</summary>
    public int Entries { get; }

    /// <summary>
    /// <see cref="FingerprintScheme"/> and a SHA-256 over each directory's sorted listing (name, type, size, symlink
    /// target): a "did the tree change" signal that reads no file contents and ignores timestamps.
    /// </summary>
    public string Fingerprint { get; }

    /// <summary>Paths (relative to the bundle) of files and directories carrying com.apple.quarantine.</summary>
    public IReadOnlyList<string> Quarantined { get; }

    /// <summary>What could not be listed, examined or read, each "relative path: reason".</summary>
    public IReadOnlyList<string> Problems { get; }

    /// <summary>The walk hit <see cref="MaxEntries"/>; an update walks everything again.</summary>
    public bool Truncated { get; }

    /// <summary>Walks the whole tree under <paramref name="bundlePath"/> through <paramref name="tree"/> (lstat, never following a symlink).</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static BundleInventory Walk(string bundlePath, IFileTree tree, IExtendedAttributeReader? xattrs, CancellationToken cancellationToken = default)
    {
        var root = Path.TrimEndingDirectorySeparator(bundlePath);
        var directories = new Dictionary<string, DirectoryRecord>(StringComparer.Ordinal);
        var truncated = !new Scanner(root, tree, directories, xattrs, 0, cancellationToken).ScanTree(string.Empty, 0);
        return new BundleInventory(root, directories, truncated);
    }

    /// <summary>
    /// The inventory after the given paths changed (absolute paths; those outside the bundle are ignored). Each change
    /// re-lists its parent directory; a directory that appeared is walked whole, one that went is dropped with
    /// everything below it. Null (changes unknown), a change to the bundle directory itself, or a truncated inventory
    /// walks everything.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public BundleInventory Update(IEnumerable<string>? changedPaths, IFileTree tree, IExtendedAttributeReader? xattrs,
        CancellationToken cancellationToken = default)
    {
        BundleInventory Whole() => Walk(Root, tree, xattrs, cancellationToken);
        if (changedPaths is null || Truncated)
        {
            return Whole();
        }

        var directories = new Dictionary<string, DirectoryRecord>(_directories, StringComparer.Ordinal);
        var relist = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var change in changedPaths)
        {
            var full = Path.TrimEndingDirectorySeparator(change);
            if (full == Root)
            {
                return Whole();
            }

            if (!(full.Length > Root.Length && full[Root.Length] == '/' && full.StartsWith(Root, StringComparison.Ordinal)))
            {
                continue;
            }

            var relative = full[(Root.Length + 1)..];
            if (relative.Split('/').Any(s => s is "" or "." or ".."))
            {
                return Whole();
            }

            // A changed directory is listed again from its parent, which finds it (and walks it) if it still exists.
            RemoveTree(directories, relative);
            var parent = Parent(relative);
            while (parent.Length > 0 && !directories.ContainsKey(parent))
            {
                parent = Parent(parent);
            }

            relist.Add(parent);
        }

        var entries = directories.Values.Sum(d => (long)d.Entries);
        var scanner = new Scanner(Root, tree, directories, xattrs, entries, cancellationToken);
        foreach (var directory in relist)
        {
            if (!scanner.Relist(directory))
            {
                return Whole();
            }
        }

        return new BundleInventory(Root, directories, truncated: false);
    }

    private static string Parent(string relative) => relative.LastIndexOf('/') is var slash and >= 0 ? relative[..slash] : string.Empty;

    private static void RemoveTree(Dictionary<string, DirectoryRecord> directories, string relative)
    {
        if (!directories.Remove(relative, out var record))
        {
            return;
        }

        foreach (var name in record.Subdirectories)
        {
            RemoveTree(directories, relative + "/" + name);
        }
    }

    /// <summary>One directory's direct entries, summarized.</summary>
    private sealed record DirectoryRecord(int Depth, long Files, long Bytes, int Entries, byte[] Hash, string[] Subdirectories,
        string[] Quarantined, string[] Problems);

    private sealed class Scanner(string root, IFileTree tree, Dictionary<string, DirectoryRecord> directories, IExtendedAttributeReader? xattrs,
        long entries, CancellationToken cancellationToken)
    {
        private readonly ArrayBufferWriter<byte> _listing = new(16 * 1024);
        private long _entries = entries;

        private string Full(string relative) => relative.Length == 0 ? root : root + "/" + relative;

        private static string Show(string relative) => relative.Length == 0 ? "." : FileNames.Display(relative);

        /// <summary>Scans <paramref name="start"/> and every directory below it; false when the entry limit was hit.</summary>
        public bool ScanTree(string start, int depth)
        {
            var stack = new Stack<(string Relative, int Depth)>();
            stack.Push((start, depth));
            while (stack.Count > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var (relative, level) = stack.Pop();
                var record = Scan(relative, level);
                if (record is null)
                {
                    return false;
                }

                foreach (var name in record.Subdirectories)
                {
                    stack.Push((relative.Length == 0 ? name : relative + "/" + name, level + 1));
                }
            }

            return true;
        }

        /// <summary>
        /// Lists a known directory again: subdirectories it no longer has are dropped, new ones walked whole. A directory
        /// that is gone is dropped and its parent listed instead. False when the entry limit was hit.
        /// </summary>
        public bool Relist(string relative)
        {
            while (true)
            {
                if (!directories.TryGetValue(relative, out var old))
                {
                    return true; // dropped by an earlier re-listing in this update
                }

                if (relative.Length > 0 && tree.StatOrUnknown(Full(relative)).Kind != FileTreeKind.Directory)
                {
                    RemoveTree(directories, relative);
                    relative = Parent(relative);
                    continue;
                }

                _entries -= old.Entries;
                var record = Scan(relative, old.Depth);
                if (record is null)
                {
                    return false;
                }

                foreach (var gone in old.Subdirectories.Except(record.Subdirectories, StringComparer.Ordinal))
                {
                    RemoveTree(directories, Join(relative, gone));
                }

                foreach (var name in record.Subdirectories)
                {
                    if (!directories.ContainsKey(Join(relative, name)) && !ScanTree(Join(relative, name), old.Depth + 1))
                    {
                        return false;
                    }
                }

                return true;
            }
        }

        private static string Join(string directory, string name) => directory.Length == 0 ? name : directory + "/" + name;

        // Lists one directory and records its summary; null when the entry limit was hit. Only regular files count as files:
        // a FIFO, socket or device is listed (and changes the fingerprint) but never counted, opened or sized. Per entry,
        // one string (its path, for listxattr) unless something is to be said about it: this runs for every entry of a
        // first assessment, beside the seal's walk of the same tree.
        private DirectoryRecord? Scan(string relative, int depth)
        {
            var directory = Full(relative);
            IReadOnlyList<FileTreeEntry> children;
            try
            {
                children = tree.List(directory);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return directories[relative] = new DirectoryRecord(depth, 0, 0, 0, [], [], [], [$"{Show(relative)}: cannot list directory: {e.Message}"]);
            }

            long files = 0, bytes = 0;
            var subdirectories = new List<string>();
            var quarantined = new List<string>();
            var problems = new List<string>();
            _listing.ResetWrittenCount();
            foreach (var child in FileTreeListing.InOrdinalOrder(children))
            {
                if (++_entries > MaxEntries)
                {
                    return null;
                }

                var name = FileNames.Display(child.Name);
                if (xattrs is not null && child.Kind is FileTreeKind.Regular or FileTreeKind.Directory
                    && HasQuarantine(directory + "/" + child.Name, relative, child.Name, problems))
                {
                    quarantined.Add(Join(relative, child.Name));
                }

                switch (child.Kind)
                {
                    case FileTreeKind.Regular:
                        files++;
                        bytes += child.Size;
                        // No timestamps: a `touch` is not a change of the bundle (the history records only real changes).
                        // A same-size content change of a sealed file is the seal's to find, by its digest.
                        Write(name);
                        Write("\0f\0"u8);
                        Write(child.Size);
                        Write("\n"u8);
                        break;
                    case FileTreeKind.Directory:
                        Write(name);
                        Write("\0d\n"u8);
                        if (depth + 1 >= MaxDepth)
                        {
                            problems.Add($"{FileNames.Display(Join(relative, child.Name))}: deeper than {MaxDepth} levels; not walked");
                        }
                        else
                        {
                            subdirectories.Add(child.Name);
                        }

                        break;
                    case FileTreeKind.Symlink:
                        string? target = null;
                        try
                        {
                            target = tree.ReadLink(directory + "/" + child.Name);
                        }
                        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                        {
                            problems.Add($"{FileNames.Display(Join(relative, child.Name))}: {e.Message}");
                        }

                        Write(name);
                        Write("\0l\0"u8);
                        Write(FileNames.Display(target ?? string.Empty));
                        Write("\n"u8);
                        break;
                    case FileTreeKind.Missing or FileTreeKind.Unknown:
                        // Vanished or changed between listing and lstat: a copy or update is in progress.
                        problems.Add($"{FileNames.Display(Join(relative, child.Name))}: vanished or could not be examined while the directory was listed");
                        break;
                    default:
                        Write(name);
                        Write("\0"u8);
                        Write(child.Kind.ToString());
                        Write("\n"u8);
                        break;
                }
            }

            var hash = SHA256.HashData(_listing.WrittenSpan);
            return directories[relative] = new DirectoryRecord(depth, files, bytes, children.Count, hash, [.. subdirectories],
                [.. quarantined], [.. problems]);
        }

        // The directory's listing as the fingerprint hashes it: UTF-8, written in place of a string built and encoded.
        private void Write(ReadOnlySpan<byte> ascii) => _listing.Write(ascii);

        private void Write(string text) =>
            _listing.Advance(Encoding.UTF8.GetBytes(text, _listing.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length))));

        private void Write(long number)
        {
            number.TryFormat(_listing.GetSpan(20), out var written, default, CultureInfo.InvariantCulture);
            _listing.Advance(written);
        }

        // listxattr: one call per entry, which for most entries (no attributes at all) is all there is.
        private bool HasQuarantine(string path, string directory, string name, List<string> problems)
        {
            try
            {
                return xattrs!.List(path).Contains(ExtendedAttributeNames.Quarantine, StringComparer.Ordinal);
            }
            catch (ExtendedAttributeException e)
            {
                problems.Add($"{FileNames.Display(Join(directory, name))}: {e.Message}");
                return false;
            }
        }
    }
}
