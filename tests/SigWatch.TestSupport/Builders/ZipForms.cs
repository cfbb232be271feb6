using System.Buffers.Binary;
using SigWatch.Core.Archives;

namespace SigWatch.TestSupport.Builders;

/// <summary>Zip archives in forms <see cref="System.IO.Compression.ZipArchive"/> writes only for huge inputs.</summary>
public static class ZipForms
{
    /// <summary>
    /// The same archive in its ZIP64 form (PKWARE APPNOTE 6.3.10, 4.3.14–4.3.15, 4.5.3): every central directory entry's
    /// sizes at 0xFFFFFFFF with the real ones in a ZIP64 extended information extra field (0x0001, uncompressed then
    /// compressed), then a ZIP64 end record and locator, and the classic end record's counts, size and offset at their
    /// "see the ZIP64 record" values. The local headers and data are left as they are.
    /// </summary>
    public static byte[] ToZip64(byte[] zip)
    {
        var end = FindEnd(zip);
        int count = BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(end + 10));
        var directoryOffset = (int)BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(end + 16));
        int commentLength = BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(end + 20));

        using var output = new MemoryStream();
        output.Write(zip, 0, directoryOffset);
        var position = directoryOffset;
        Span<byte> extra = stackalloc byte[20];
        for (var i = 0; i < count; i++)
        {
            var entry = zip.AsSpan(position);
            if (BinaryPrimitives.ReadUInt32LittleEndian(entry) != ZipListing.CentralSignature)
            {
                throw new ArgumentException($"no central directory header at {position}", nameof(zip));
            }

            int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(entry[28..]);
            int extraLength = BinaryPrimitives.ReadUInt16LittleEndian(entry[30..]);
            int entryCommentLength = BinaryPrimitives.ReadUInt16LittleEndian(entry[32..]);
            var header = entry[..46].ToArray();
            var compressed = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(20));
            var uncompressed = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(24));
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(20), 0xFFFFFFFF);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(24), 0xFFFFFFFF);
            BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(30), (ushort)(extraLength + 20));
            output.Write(header);
            output.Write(entry.Slice(46, nameLength));
            BinaryPrimitives.WriteUInt16LittleEndian(extra, 1);
            BinaryPrimitives.WriteUInt16LittleEndian(extra[2..], 16);
            BinaryPrimitives.WriteUInt64LittleEndian(extra[4..], uncompressed);
            BinaryPrimitives.WriteUInt64LittleEndian(extra[12..], compressed);
            output.Write(extra);
            output.Write(entry.Slice(46 + nameLength, extraLength + entryCommentLength));
            position += 46 + nameLength + extraLength + entryCommentLength;
        }

        var directorySize = output.Position - directoryOffset;
        var recordOffset = output.Position;
        Span<byte> record = stackalloc byte[56];
        BinaryPrimitives.WriteUInt32LittleEndian(record, ZipListing.Zip64EndSignature);
        BinaryPrimitives.WriteUInt64LittleEndian(record[4..], 56 - 12); // the record's size after this field
        BinaryPrimitives.WriteUInt16LittleEndian(record[12..], 45);      // version made by: 4.5, ZIP64
        BinaryPrimitives.WriteUInt16LittleEndian(record[14..], 45);      // version needed to extract
        BinaryPrimitives.WriteUInt64LittleEndian(record[24..], (ulong)count);
        BinaryPrimitives.WriteUInt64LittleEndian(record[32..], (ulong)count);
        BinaryPrimitives.WriteUInt64LittleEndian(record[40..], (ulong)directorySize);
        BinaryPrimitives.WriteUInt64LittleEndian(record[48..], (ulong)directoryOffset);
        output.Write(record);
        Span<byte> locator = stackalloc byte[20];
        BinaryPrimitives.WriteUInt32LittleEndian(locator, ZipListing.Zip64LocatorSignature);
        BinaryPrimitives.WriteUInt64LittleEndian(locator[8..], (ulong)recordOffset);
        BinaryPrimitives.WriteUInt32LittleEndian(locator[16..], 1); // total number of disks
        output.Write(locator);
        var classic = zip.AsSpan(end, 22).ToArray();
        BinaryPrimitives.WriteUInt16LittleEndian(classic.AsSpan(8), 0xFFFF);
        BinaryPrimitives.WriteUInt16LittleEndian(classic.AsSpan(10), 0xFFFF);
        BinaryPrimitives.WriteUInt32LittleEndian(classic.AsSpan(12), 0xFFFFFFFF);
        BinaryPrimitives.WriteUInt32LittleEndian(classic.AsSpan(16), 0xFFFFFFFF);
        output.Write(classic);
        output.Write(zip, end + 22, commentLength);
        return output.ToArray();
    }

    private static int FindEnd(byte[] zip)
    {
        for (var i = zip.Length - 22; i >= 0; i--)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(i)) == ZipListing.EndSignature)
            {
                return i;
            }
        }

        throw new ArgumentException("no end of central directory record", nameof(zip));
    }
}
