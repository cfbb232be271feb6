using System.Collections.Concurrent;
using Microsoft.Win32.SafeHandles;

namespace SigWatch.Core.FileSystem;

/// <summary>
/// One listing of a tree for two walks that run side by side over it — a first assessment's inventory walk and its seal
/// walk. Each directory's listing (readdir and an lstat per entry) and the extended-attribute names of each entry it
/// lists are read once, by whichever walk comes first, and handed to the second walk that asks, then forgotten; a third
/// ask reads again. Failures are never kept: each walk meets its own error. Everything else passes through.
/// </summary>
/// <remarks>
/// Why: on a 100,000-file bundle the two walks made 200,000 lstat and 200,000 listxattr calls for 100,000 entries, a
/// third of the CPU a cold check spends apart from hashing (issue #20). Both walks also see the same snapshot of each
/// directory. Not for re-assessments: a walk that lists only what changed would leave its listings here unclaimed.
/// Thread-safe; the memory it holds is bounded by the tree the walks are bounded to.
/// </remarks>
public sealed class SharedListing : IFileTree
{
    private readonly IFileTree _tree;
    private readonly ConcurrentDictionary<string, IReadOnlyList<FileTreeEntry>> _listings = new(StringComparer.Ordinal);
    // Per listed directory, its entries' attribute names: found by the directory part of a path and the name's place in
    // the sorted listing, so no key is made or hashed per entry (a dictionary by full path cost ~3 % of a cold check).
    private readonly ConcurrentDictionary<string, DirectoryAttributes> _attributes = new(StringComparer.Ordinal);

    public SharedListing(IFileTree tree, IExtendedAttributeReader? extendedAttributes)
    {
        ArgumentNullException.ThrowIfNull(tree);
        _tree = tree;
        ExtendedAttributes = extendedAttributes is null ? null : new SharedAttributes(extendedAttributes, this);
    }

    /// <summary>
    /// The extended attributes, their names shared the same way for the entries of a directory listed here; null when
    /// there are none to read.
    /// </summary>
    public IExtendedAttributeReader? ExtendedAttributes { get; }

    /// <summary>The directory's entries in ordinal order of their names.</summary>
    public IReadOnlyList<FileTreeEntry> List(string directory)
    {
        if (_listings.TryRemove(directory, out var kept))
        {
            return kept;
        }

        var listing = FileTreeListing.InOrdinalOrder(_tree.List(directory));
        // Lost a race with the other walk reading the same directory: both keep their own reading, nothing stays behind.
        if (!_listings.TryAdd(directory, listing))
        {
            _listings.TryRemove(directory, out _);
        }
        else if (ExtendedAttributes is not null)
        {
            _attributes.TryAdd(directory, new DirectoryAttributes(listing));
        }

        return listing;
    }

    public FileTreeEntry Stat(string path) => _tree.Stat(path);

    public Stream OpenRead(string path) => _tree.OpenRead(path);

    public SafeFileHandle? OpenHandle(string path) => _tree.OpenHandle(path);

    public int ReadAt(SafeFileHandle handle, Span<byte> buffer, long offset) => _tree.ReadAt(handle, buffer, offset);

    public string? ReadLink(string path) => _tree.ReadLink(path);

    /// <summary>
    /// The attribute names of one listing's entries, each slot empty, then being read by the first walk to reach it, then
    /// holding that reading, then taken by the second (a third reads again). A walk that finds the slot being read waits
    /// for the reading (one listxattr) instead of reading again. Failures are never kept: the slot is emptied again.
    /// </summary>
    private sealed class DirectoryAttributes(IReadOnlyList<FileTreeEntry> listing)
    {
        private static readonly IReadOnlyList<string> s_taken = ["(taken)"];
        private static readonly IReadOnlyList<string> s_reading = ["(reading)"];
        private readonly IReadOnlyList<string>?[] _names = new IReadOnlyList<string>?[listing.Count];

        /// <summary>The entry's place in the listing (sorted ordinally), or -1.</summary>
        public int IndexOf(ReadOnlySpan<char> name)
        {
            int low = 0, high = listing.Count - 1;
            while (low <= high)
            {
                var middle = low + ((high - low) / 2);
                var order = listing[middle].Name.AsSpan().SequenceCompareTo(name);
                if (order == 0)
                {
                    return middle;
                }

                (low, high) = order < 0 ? (middle + 1, high) : (low, middle - 1);
            }

            return -1;
        }

        public IReadOnlyList<string> Take(int index, string path, IExtendedAttributeReader reader)
        {
            var spin = new SpinWait();
            while (true)
            {
                var kept = Interlocked.CompareExchange(ref _names[index], s_reading, null);
                if (kept is null)
                {
                    IReadOnlyList<string> names;
                    try
                    {
                        names = reader.List(path);
                    }
                    catch
                    {
                        Volatile.Write(ref _names[index], null);
                        throw;
                    }

                    Volatile.Write(ref _names[index], names);
                    return names;
                }

                if (ReferenceEquals(kept, s_reading))
                {
                    spin.SpinOnce();
                }
                else if (ReferenceEquals(kept, s_taken))
                {
                    return reader.List(path);
                }
                else if (ReferenceEquals(Interlocked.CompareExchange(ref _names[index], s_taken, kept), kept))
                {
                    return kept;
                }
            }
        }
    }

    private sealed class SharedAttributes(IExtendedAttributeReader inner, SharedListing owner) : IExtendedAttributeReader
    {
        private readonly ConcurrentDictionary<string, DirectoryAttributes>.AlternateLookup<ReadOnlySpan<char>> _byDirectory =
            owner._attributes.GetAlternateLookup<ReadOnlySpan<char>>();

        public byte[]? Get(string path, string name) => inner.Get(path, name);

        // An entry of a directory not listed here (the bundle itself, a path given directly) is read each time.
        public IReadOnlyList<string> List(string path)
        {
            var slash = path.LastIndexOf('/');
            return slash > 0 && _byDirectory.TryGetValue(path.AsSpan(0, slash), out var directory) && directory.IndexOf(path.AsSpan(slash + 1)) is >= 0 and var index
                ? directory.Take(index, path, inner)
                : inner.List(path);
        }
    }
}
