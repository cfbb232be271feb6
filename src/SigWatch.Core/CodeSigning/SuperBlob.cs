using SigWatch.Core.Binary;

namespace SigWatch.Core.CodeSigning;

/// <summary>
/// A SuperBlob: <c>u32 magic; u32 length; u32 count; BlobIndex[count]</c> then the sub-blobs, big-endian
/// (SEC <c>superblob.h</c>, XNU <c>cs_blobs.h</c>; reference §0). Validation follows SEC <c>validateBlob</c> and
/// is done before anything is allocated: count against the remaining bytes, each offset past the index,
/// each child bounded by the next child (or the end) and by its own length.
/// </summary>
public sealed class SuperBlob
{
    public const int HeaderSize = 12;
    public const int IndexEntrySize = 8;

    private SuperBlob(uint magic, ReadOnlyMemory<byte> bytes, IReadOnlyList<BlobIndexEntry> entries, uint declaredLength,
        IReadOnlyList<uint> lostTypes)
    {
        Magic = magic;
        Bytes = bytes;
        Entries = entries;
        DeclaredLength = declaredLength;
        LostTypes = lostTypes;
    }

    /// <summary>The SuperBlob's <c>length</c> field; more than <see cref="Bytes"/> holds only for a truncated signature.</summary>
    public uint DeclaredLength { get; }

    /// <summary>True when the data ended before <see cref="DeclaredLength"/> (only with <c>allowTruncated</c>).</summary>
    public bool IsTruncated => DeclaredLength > (uint)Bytes.Length;

    /// <summary>Index types whose blobs lay (partly) beyond the end of a truncated signature and were not read.</summary>
    public IReadOnlyList<uint> LostTypes { get; }

    public uint Magic { get; }

    /// <summary>The SuperBlob's own <c>length</c> bytes (any padding after it in <c>datasize</c> is not included).</summary>
    public ReadOnlyMemory<byte> Bytes { get; }

    /// <summary>Index entries in file order; entries with offset 0 ("no blob") are left out.</summary>
    public IReadOnlyList<BlobIndexEntry> Entries { get; }

    /// <summary>SEC <c>find</c>: the first entry of a type.</summary>
    public CodeSigningBlob? Find(uint type) => Entries.FirstOrDefault(e => e.Type == type)?.Blob;

    /// <param name="allowTruncated">
    /// Accept data that ends before the SuperBlob's <c>length</c> (a truncated file): the blobs that lie wholly inside
    /// the data are read, the others are listed in <see cref="LostTypes"/>, so what survives (normally the CodeDirectory,
    /// written first) can still be reported. The index itself must be complete.
    /// </param>
    public static SuperBlob Parse(ReadOnlyMemory<byte> data, long fileOffset, uint? expectedMagic = null, bool allowTruncated = false)
    {
        const string structure = "SuperBlob";
        var reader = new SpanReader(data.Span, bigEndian: true, structure, fileOffset);
        var magic = reader.ReadUInt32();
        if (expectedMagic is { } expected && magic != expected)
        {
            ThrowHelper.Malformed(MalformedDataReason.BadMagic, fileOffset, structure, $"0x{magic:x8}, expected 0x{expected:x8}");
        }

        var length = reader.ReadUInt32();
        if (length < HeaderSize)
        {
            ThrowHelper.Malformed(MalformedDataReason.LengthTooSmall, fileOffset + 4, structure, $"length {length}");
        }

        if (length > (uint)data.Length && !allowTruncated)
        {
            ThrowHelper.Malformed(MalformedDataReason.BlobLengthExceedsContainer, fileOffset + 4, structure,
                $"length {length} exceeds the {data.Length} bytes available");
        }

        var count = reader.ReadUInt32();
        if (count > (length - HeaderSize) / IndexEntrySize)
        {
            ThrowHelper.Malformed(MalformedDataReason.CountExceedsRemainingBytes, fileOffset + 8, structure,
                $"count {count} does not fit in length {length}");
        }

        var minimumOffset = HeaderSize + (count * IndexEntrySize);
        var available = Math.Min(length, (uint)data.Length);
        if (minimumOffset > available)
        {
            ThrowHelper.Malformed(MalformedDataReason.Truncated, fileOffset + 8, structure,
                $"the index of {count} entries needs {minimumOffset} bytes, {available} are present");
        }

        var index = new (uint Type, uint Offset, long EntryOffset)[count];
        for (var i = 0; i < index.Length; i++)
        {
            var entryOffset = reader.FileOffset;
            var type = reader.ReadUInt32();
            var offset = reader.ReadUInt32();
            if (offset != 0 && (offset < minimumOffset || (ulong)offset + CodeSigningBlob.HeaderSize > length))
            {
                ThrowHelper.Malformed(MalformedDataReason.OffsetOutOfRange, entryOffset, structure,
                    $"entry {i} (type 0x{type:x}) offset 0x{offset:x} outside [0x{minimumOffset:x}, 0x{length:x})");
            }

            index[i] = (type, offset, entryOffset);
        }

        var blob = data[..(int)available];
        var lost = new List<uint>();
        var sortedOffsets = index.Where(e => e.Offset != 0).Select(e => e.Offset).Distinct().Order().ToArray();
        var entries = new List<BlobIndexEntry>(index.Length);
        foreach (var (type, offset, _) in index)
        {
            if (offset == 0)
            {
                continue;
            }

            // A child may not run into the next child or past the SuperBlob (apple-codesign's rule, range-checked first).
            var next = Array.BinarySearch(sortedOffsets, offset) + 1;
            var bound = next < sortedOffsets.Length ? sortedOffsets[next] : length;
            if (bound > available)
            {
                if (offset + CodeSigningBlob.HeaderSize > available
                    || offset + System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(blob.Span[((int)offset + 4)..]) > available)
                {
                    lost.Add(type);
                    continue;
                }

                bound = available;
            }

            var childSpan = blob[(int)offset..(int)bound];
            if (childSpan.Length < CodeSigningBlob.HeaderSize)
            {
                ThrowHelper.Malformed(MalformedDataReason.Overlap, fileOffset + offset, structure,
                    $"blob of type 0x{type:x} has {childSpan.Length} bytes before the next blob, less than a header");
            }

            var childLength = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(childSpan.Span[4..]);
            if (childLength > (uint)childSpan.Length)
            {
                ThrowHelper.Malformed(MalformedDataReason.BlobLengthExceedsContainer, fileOffset + offset + 4, structure,
                    $"blob of type 0x{type:x} claims {childLength} bytes, {childSpan.Length} available before the next blob");
            }

            entries.Add(new BlobIndexEntry(type, offset, CodeSigningBlob.Create(childSpan, fileOffset + offset)));
        }

        return new SuperBlob(magic, blob, entries, length, lost);
    }
}

/// <summary>One <c>BlobIndex</c>: the slot type, the offset from the SuperBlob start, and the blob found there.</summary>
public sealed record BlobIndexEntry(uint Type, uint Offset, CodeSigningBlob Blob);
