using System.Buffers.Binary;
using SigWatch.Core.Binary;

namespace SigWatch.Core.MachO;

/// <summary>
/// A Mach-O file: thin (one image) or universal (fat/fat64, one image per slice). A slice that cannot be read
/// is kept with its <see cref="MachSlice.Error"/> so the other slices are still checked.
/// </summary>
public sealed class MachFile
{
    private MachFile(ReadOnlyMemory<byte> bytes, bool isUniversal, bool isFat64, IReadOnlyList<MachSlice> slices)
    {
        Bytes = bytes;
        IsUniversal = isUniversal;
        IsFat64 = isFat64;
        Slices = slices;
    }

    public ReadOnlyMemory<byte> Bytes { get; }

    public bool IsUniversal { get; }

    /// <summary>True for <c>FAT_MAGIC_64</c>; note SEC's own parser accepts only 32-bit fat (reference §1.4).</summary>
    public bool IsFat64 { get; }

    public IReadOnlyList<MachSlice> Slices { get; }

    /// <summary>True if the bytes start with a thin or fat Mach-O magic (fat also needs 1…100 architectures).</summary>
    public static bool IsMachO(ReadOnlySpan<byte> bytes)
    {
        if (MachImage.HasMachMagic(bytes))
        {
            return true;
        }

        if (bytes.Length < MachConstants.FatHeaderSize)
        {
            return false;
        }

        var magic = BinaryPrimitives.ReadUInt32BigEndian(bytes);
        var count = BinaryPrimitives.ReadUInt32BigEndian(bytes[4..]);
        // A Java class file shares CAFEBABE; its "count" is a class version (45+) and usually fails slice checks later.
        return magic is MachConstants.FAT_MAGIC or MachConstants.FAT_MAGIC_64 && count is > 0 and <= MachConstants.MaxFatArchCount;
    }

    /// <summary>
    /// What the file is to the code-signing machinery, decided as SEC decides which DiskRep reads it
    /// (diskrep.cpp <c>DiskRep::bestGuess</c>, machorep.cpp <c>MachORep::candidate</c>, macho++.cpp <c>Universal::typeOf</c>):
    /// only the image of a thin file or of the <em>first</em> fat_arch entry (table order) is looked at. When that image
    /// is a dynamic image (<see cref="MachConstants.IsCodeFileType"/>) the file is Mach-O code; when it is a static
    /// archive (<c>!&lt;arch&gt;</c>), an object file (MH_OBJECT) or anything else, codesign treats the whole file as a
    /// plain file, which has no embedded signature: "code object is not signed at all". A file with a Mach-O magic whose
    /// header or fat table is damaged stays <see cref="MachFileKind.Code"/>, so the damage is reported, not hidden.
    /// </summary>
    /// <param name="description">For <see cref="MachFileKind.NotCode"/>: what the first image is, for the finding.</param>
    public static MachFileKind Identify(ReadOnlySpan<byte> bytes, out string? description)
    {
        description = null;
        if (!IsMachO(bytes))
        {
            return MachFileKind.NotMachO;
        }

        var image = bytes;
        var where = "the file";
        if (!MachImage.HasMachMagic(bytes))
        {
            var is64 = BinaryPrimitives.ReadUInt32BigEndian(bytes) == MachConstants.FAT_MAGIC_64;
            var entrySize = is64 ? MachConstants.FatArch64Size : MachConstants.FatArchSize;
            if (bytes.Length < MachConstants.FatHeaderSize + entrySize)
            {
                return MachFileKind.Code; // a damaged fat table: MachFile.Read says how
            }

            var entry = bytes.Slice(MachConstants.FatHeaderSize, entrySize);
            var offset = is64 ? BinaryPrimitives.ReadUInt64BigEndian(entry[8..]) : BinaryPrimitives.ReadUInt32BigEndian(entry[8..]);
            if (offset >= (ulong)bytes.Length)
            {
                return MachFileKind.Code;
            }

            image = bytes[(int)offset..];
            where = $"the first architecture ({CpuTypes.Name(BinaryPrimitives.ReadInt32BigEndian(entry), BinaryPrimitives.ReadInt32BigEndian(entry[4..]))})";
        }

        if (image.StartsWith("!<arch>\n"u8))
        {
            description = $"{where} is a static archive (!<arch>)";
            return MachFileKind.NotCode;
        }

        if (!MachImage.HasMachMagic(image))
        {
            description = $"{where} is not a Mach-O image (it starts 0x{Convert.ToHexStringLower(image[..Math.Min(4, image.Length)])})";
            return MachFileKind.NotCode;
        }

        if (image.Length < MachConstants.MachHeaderSize)
        {
            return MachFileKind.Code; // truncated header: damaged code
        }

        var swapped = BinaryPrimitives.ReadUInt32LittleEndian(image) is MachConstants.MH_CIGAM or MachConstants.MH_CIGAM_64;
        var fileType = swapped ? BinaryPrimitives.ReadUInt32BigEndian(image[12..]) : BinaryPrimitives.ReadUInt32LittleEndian(image[12..]);
        if (MachConstants.IsCodeFileType(fileType))
        {
            return MachFileKind.Code;
        }

        description = fileType == MachConstants.MH_OBJECT
            ? $"{where} is an object file (MH_OBJECT), not a loadable image"
            : $"{where} has file type {MachConstants.FileTypeName(fileType)}, not a loadable image";
        return MachFileKind.NotCode;
    }

    /// <summary>
    /// Reads the file. Returns false with <paramref name="error"/> null when the bytes are not Mach-O at all, and
    /// false with <paramref name="error"/> set when they are Mach-O but the container itself is malformed.
    /// </summary>
    public static bool TryRead(ReadOnlyMemory<byte> bytes, out MachFile? file, out MalformedDataException? error)
    {
        file = null;
        error = null;
        if (!IsMachO(bytes.Span))
        {
            return false;
        }

        try
        {
            file = Read(bytes);
            return true;
        }
        catch (MalformedDataException e)
        {
            error = e;
            return false;
        }
    }

    /// <summary>Reads a thin or universal file; throws <see cref="MalformedDataException"/> for a malformed container.</summary>
    public static MachFile Read(ReadOnlyMemory<byte> bytes)
    {
        var span = bytes.Span;
        if (MachImage.HasMachMagic(span))
        {
            var image = MachImage.Read(bytes);
            return new MachFile(bytes, false, false,
                [new MachSlice(0, image.CpuType, image.CpuSubType, 0, (ulong)bytes.Length, image, null)]);
        }

        var reader = new SpanReader(span, bigEndian: true, "fat_header");
        var magic = reader.ReadUInt32();
        var is64 = magic switch
        {
            MachConstants.FAT_MAGIC => false,
            MachConstants.FAT_MAGIC_64 => true,
            _ => ThrowHelper.Malformed<bool>(MalformedDataReason.BadMagic, 0, "fat_header", $"0x{magic:x8}"),
        };
        var count = reader.ReadUInt32();
        if (count > MachConstants.MaxFatArchCount)
        {
            ThrowHelper.Malformed(MalformedDataReason.CountExceedsLimit, 4, "fat_header",
                $"nfat_arch {count} > {MachConstants.MaxFatArchCount}");
        }

        var entrySize = is64 ? MachConstants.FatArch64Size : MachConstants.FatArchSize;
        if (count > (uint)(reader.Remaining / entrySize))
        {
            ThrowHelper.Malformed(MalformedDataReason.CountExceedsRemainingBytes, 4, "fat_header",
                $"nfat_arch {count} entries do not fit in the file");
        }

        var headerEnd = (ulong)MachConstants.FatHeaderSize + (count * (ulong)entrySize);
        var slices = new MachSlice[count];
        for (var i = 0; i < slices.Length; i++)
        {
            var entryOffset = reader.FileOffset;
            var cpuType = reader.ReadInt32();
            var cpuSubType = reader.ReadInt32();
            var offset = is64 ? reader.ReadUInt64() : reader.ReadUInt32();
            var size = is64 ? reader.ReadUInt64() : reader.ReadUInt32();
            var align = reader.ReadUInt32();
            reader.Skip(is64 ? 4 : 0); // reserved

            // Range checks in ulong. A slice may run past the end of the file (a truncated download: SEC reads each slice
            // as far as it goes and fails what is missing), but it must start inside the file, after the table.
            if (offset < headerEnd || offset >= (ulong)bytes.Length || size > ulong.MaxValue - offset)
            {
                ThrowHelper.Malformed(MalformedDataReason.OffsetOutOfRange, entryOffset, is64 ? "fat_arch_64" : "fat_arch",
                    $"slice {i} at 0x{offset:x} size 0x{size:x} outside the file (0x{bytes.Length:x} bytes)");
            }

            for (var j = 0; j < i; j++)
            {
                var other = slices[j];
                if (offset < other.Offset + other.Size && other.Offset < offset + size)
                {
                    ThrowHelper.Malformed(MalformedDataReason.Overlap, entryOffset, is64 ? "fat_arch_64" : "fat_arch",
                        $"slice {i} overlaps slice {j}");
                }
            }

            MachImage? image = null;
            MalformedDataException? error = null;
            try
            {
                image = MachImage.Read(bytes.Slice((int)offset, (int)Math.Min(size, (ulong)bytes.Length - offset)), (long)offset);
            }
            catch (MalformedDataException e)
            {
                error = e;
            }

            var missing = offset + size > (ulong)bytes.Length ? offset + size - (ulong)bytes.Length : 0;
            slices[i] = new MachSlice(i, cpuType, cpuSubType, offset, size, image, error) { Align = align, MissingBytes = missing };
        }

        return new MachFile(bytes, true, is64, slices);
    }
}

/// <summary>What a file is to codesign: see <see cref="MachFile.Identify"/>.</summary>
public enum MachFileKind
{
    /// <summary>No Mach-O magic: an ordinary file.</summary>
    NotMachO,

    /// <summary>A Mach-O container whose (first) image is not a dynamic image: an archive or object file; codesign says "not signed at all".</summary>
    NotCode,

    /// <summary>Mach-O code (possibly damaged): verified slice by slice.</summary>
    Code,
}

/// <summary>
/// One architecture of a file. <see cref="Image"/> is null exactly when <see cref="Error"/> says why the slice
/// could not be read; the CPU type then comes from the fat header.
/// </summary>
public sealed record MachSlice(int Index, int CpuType, int CpuSubType, ulong Offset, ulong Size, MachImage? Image,
    MalformedDataException? Error)
{
    /// <summary>fat_arch <c>align</c>: the slice's alignment as a power of two (0 for a thin file).</summary>
    public uint Align { get; init; }

    /// <summary>How many of the slice's <see cref="Size"/> bytes lie past the end of the file (a truncated file); 0 normally.</summary>
    public ulong MissingBytes { get; init; }

    public string Architecture => CpuTypes.Name(CpuType, CpuSubType);
}
