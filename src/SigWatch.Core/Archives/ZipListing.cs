using System.Buffers.Binary;
using System.Text;
using SigWatch.Core.Binary;

namespace SigWatch.Core.Archives;

/// <summary>
/// What a zip archive holds, read from its central directory only (PKWARE APPNOTE.TXT 4.3.12 central directory header,
/// 4.3.16 end of central directory, 4.3.14/4.3.15 ZIP64 record and locator, 4.5.3 ZIP64 extra field): nothing is
/// extracted or inflated, so a zip bomb costs the length of its directory, which is bounded too. The listing answers
/// the questions before unpacking: which apps are inside, how large, and whether AppleDouble debris
/// (<c>__MACOSX/</c>, <c>._*</c>) will break their seals when unpacked by a tool that does not merge it.
/// </summary>
public sealed class ZipListing
{
    public const uint EndSignature = 0x06054b50;
    public const uint Zip64EndSignature = 0x06064b50;
    public const uint Zip64LocatorSignature = 0x07064b50;
    public const uint CentralSignature = 0x02014b50;

    /// <summary>More entries than this is not listed (real app archives: thousands to tens of thousands).</summary>
    public const long MaxEntries = 500_000;

    /// <summary>A central directory larger than this is not read.</summary>
    public const long MaxDirectoryBytes = 64 << 20;

    private const int EndRecordSize = 22;
    private const int MaxComment = 0xFFFF;
    private const uint SymlinkMode = 0xA000; // S_IFLNK in the upper 16 bits of the external attributes (made by Unix)

    public required IReadOnlyList<ZipEntry> Entries { get; init; }

    public long CompressedBytes => Entries.Sum(e => e.CompressedSize);

    public long UncompressedBytes => Entries.Sum(e => e.UncompressedSize);

    /// <summary>The app bundles in the archive: the first path component ending in ".app" at any depth above it, with their files.</summary>
    public IReadOnlyList<ZipApp> Apps
    {
        get
        {
            var apps = new Dictionary<string, (long Files, long Bytes)>(StringComparer.Ordinal);
            foreach (var entry in Entries.Where(e => !IsAppleDouble(e.Name)))
            {
                var parts = entry.Name.Split('/');
                for (var i = 0; i < parts.Length - (entry.IsDirectory ? 0 : 1); i++)
                {
                    if (parts[i].Length > 4 && parts[i].EndsWith(".app", StringComparison.OrdinalIgnoreCase))
                    {
                        var app = string.Join('/', parts[..(i + 1)]);
                        var (files, bytes) = apps.GetValueOrDefault(app);
                        apps[app] = entry.IsDirectory ? (files, bytes) : (files + 1, bytes + entry.UncompressedSize);
                        break;
                    }
                }
            }

            return [.. apps.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => new ZipApp(a.Key, a.Value.Files, a.Value.Bytes))];
        }
    }

    /// <summary>Entries that are AppleDouble debris: under <c>__MACOSX/</c>, or named <c>._*</c>.</summary>
    public IReadOnlyList<string> AppleDouble => [.. Entries.Where(e => IsAppleDouble(e.Name)).Select(e => e.Name)];

    public int Symlinks => Entries.Count(e => e.IsSymlink);

    public static bool IsAppleDouble(string name) =>
        name.StartsWith("__MACOSX/", StringComparison.Ordinal) || name.Split('/').Any(p => p.StartsWith("._", StringComparison.Ordinal));

    public static bool HasZipSignature(ReadOnlySpan<byte> start) =>
        start.Length >= 4 && BinaryPrimitives.ReadUInt32LittleEndian(start) is 0x04034b50 or EndSignature;

    /// <exception cref="MalformedDataException">No end record, a directory outside the file, or beyond the bounds.</exception>
    public static ZipListing Read(ReadAt read, long length)
    {
        var tailLength = (int)Math.Min(length, EndRecordSize + MaxComment);
        var tail = new byte[tailLength];
        if (read(tail, length - tailLength) != tailLength)
        {
            throw new MalformedDataException(MalformedDataReason.Truncated, length - tailLength, "zip end record", "the file could not be read to its end");
        }

        var at = -1;
        for (var i = tailLength - EndRecordSize; i >= 0; i--)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(i)) == EndSignature)
            {
                at = i;
                break;
            }
        }

        if (at < 0)
        {
            throw new MalformedDataException(MalformedDataReason.BadMagic, length, "zip end record", "no end-of-central-directory record: not a zip archive, or cut short");
        }

        var end = tail.AsSpan(at);
        long entries = BinaryPrimitives.ReadUInt16LittleEndian(end[10..]);
        long directorySize = BinaryPrimitives.ReadUInt32LittleEndian(end[12..]);
        long directoryOffset = BinaryPrimitives.ReadUInt32LittleEndian(end[16..]);
        var endOffset = length - tailLength + at;
        if (entries == 0xFFFF || directorySize == 0xFFFFFFFF || directoryOffset == 0xFFFFFFFF)
        {
            (entries, directorySize, directoryOffset) = ReadZip64(read, endOffset);
        }

        if (entries < 0 || entries > MaxEntries || directorySize > MaxDirectoryBytes || directoryOffset < 0 || directorySize < 0
            || directoryOffset > endOffset || directorySize > endOffset - directoryOffset)
        {
            throw new MalformedDataException(MalformedDataReason.OffsetOutOfRange, endOffset, "zip end record",
                $"{entries} entries in {directorySize} bytes at {directoryOffset}: outside the file or beyond {MaxEntries} entries / {MaxDirectoryBytes} bytes");
        }

        var directory = new byte[directorySize];
        read(directory, directoryOffset);
        return new ZipListing { Entries = ReadEntries(directory, directoryOffset, entries) };
    }

    private static (long Entries, long Size, long Offset) ReadZip64(ReadAt read, long endOffset)
    {
        Span<byte> locator = stackalloc byte[20];
        if (endOffset < 20 || read(locator, endOffset - 20) != 20 || BinaryPrimitives.ReadUInt32LittleEndian(locator) != Zip64LocatorSignature)
        {
            throw new MalformedDataException(MalformedDataReason.BadMagic, endOffset, "zip64 locator", "the end record defers to a ZIP64 record that is not there");
        }

        var recordOffset = BinaryPrimitives.ReadUInt64LittleEndian(locator[8..]);
        Span<byte> record = stackalloc byte[56];
        if (endOffset < 20 + 56 || recordOffset > (ulong)(endOffset - 20 - 56) || read(record, (long)recordOffset) != 56 || BinaryPrimitives.ReadUInt32LittleEndian(record) != Zip64EndSignature)
        {
            throw new MalformedDataException(MalformedDataReason.OffsetOutOfRange, endOffset - 20, "zip64 end record", $"no ZIP64 end record at {recordOffset}");
        }

        var entries = BinaryPrimitives.ReadUInt64LittleEndian(record[32..]);
        var size = BinaryPrimitives.ReadUInt64LittleEndian(record[40..]);
        var offset = BinaryPrimitives.ReadUInt64LittleEndian(record[48..]);
        return (entries > long.MaxValue ? -1 : (long)entries, size > long.MaxValue ? -1 : (long)size, offset > long.MaxValue ? -1 : (long)offset);
    }

    private static List<ZipEntry> ReadEntries(byte[] directory, long fileOffset, long count)
    {
        var entries = new List<ZipEntry>((int)Math.Min(count, 65536));
        var position = 0;
        for (long i = 0; i < count; i++)
        {
            var span = directory.AsSpan(position);
            if (span.Length < 46 || BinaryPrimitives.ReadUInt32LittleEndian(span) != CentralSignature)
            {
                throw new MalformedDataException(MalformedDataReason.BadMagic, fileOffset + position, "zip central directory header",
                    $"entry {i} of {count}: no central directory header here");
            }

            var madeBy = BinaryPrimitives.ReadUInt16LittleEndian(span[4..]) >> 8;
            var flags = BinaryPrimitives.ReadUInt16LittleEndian(span[8..]);
            long compressed = BinaryPrimitives.ReadUInt32LittleEndian(span[20..]);
            long uncompressed = BinaryPrimitives.ReadUInt32LittleEndian(span[24..]);
            int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(span[28..]);
            int extraLength = BinaryPrimitives.ReadUInt16LittleEndian(span[30..]);
            int commentLength = BinaryPrimitives.ReadUInt16LittleEndian(span[32..]);
            var external = BinaryPrimitives.ReadUInt32LittleEndian(span[38..]);
            if (46 + nameLength + extraLength + commentLength > span.Length)
            {
                throw new MalformedDataException(MalformedDataReason.BlobLengthExceedsContainer, fileOffset + position, "zip central directory header",
                    $"entry {i}: its name, extra field and comment run past the central directory");
            }

            var nameBytes = span.Slice(46, nameLength);
            // Bit 11 (APPNOTE 4.4.4) marks UTF-8 names; without it the standard says CP437, but macOS's Archive Utility and
            // ditto write UTF-8 there too, so names are read as UTF-8 either way (bytes that are not become U+FFFD).
            _ = flags;
            var name = Encoding.UTF8.GetString(nameBytes);
            if (compressed == 0xFFFFFFFF || uncompressed == 0xFFFFFFFF)
            {
                (uncompressed, compressed) = Zip64Sizes(span.Slice(46 + nameLength, extraLength), uncompressed, compressed);
            }

            var isSymlink = madeBy == 3 && ((external >> 16) & 0xF000) == SymlinkMode;
            entries.Add(new ZipEntry(name, compressed, uncompressed, name.EndsWith('/'), isSymlink));
            position += 46 + nameLength + extraLength + commentLength;
        }

        return entries;
    }

    /// <summary>The ZIP64 extended information extra field (0x0001): the 64-bit sizes, in order, for the fields that were 0xFFFFFFFF.</summary>
    private static (long Uncompressed, long Compressed) Zip64Sizes(ReadOnlySpan<byte> extra, long uncompressed, long compressed)
    {
        while (extra.Length >= 4)
        {
            var id = BinaryPrimitives.ReadUInt16LittleEndian(extra);
            var size = BinaryPrimitives.ReadUInt16LittleEndian(extra[2..]);
            if (size > extra.Length - 4)
            {
                break;
            }

            if (id == 1)
            {
                var data = extra.Slice(4, size);
                if (uncompressed == 0xFFFFFFFF && data.Length >= 8)
                {
                    uncompressed = (long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(data), long.MaxValue);
                    data = data[8..];
                }

                if (compressed == 0xFFFFFFFF && data.Length >= 8)
                {
                    compressed = (long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(data), long.MaxValue);
                }

                break;
            }

            extra = extra[(4 + size)..];
        }

        return (uncompressed, compressed);
    }
}

public sealed record ZipEntry(string Name, long CompressedSize, long UncompressedSize, bool IsDirectory, bool IsSymlink);

/// <param name="Path">The app's path inside the archive, e.g. "Foo.app" or "Foo 1.2/Foo.app".</param>
public sealed record ZipApp(string Path, long Files, long Bytes);
