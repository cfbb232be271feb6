using System.Buffers.Binary;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Xml;
using System.Xml.Linq;
using SigWatch.Core.Binary;

namespace SigWatch.Core.Packages;

/// <summary>
/// A xar archive (a flat installer package): the 28-byte big-endian header, the zlib-compressed XML table of contents
/// and the heap after it (docs/installer-packages.md; Apple xar <c>xar.h</c> <c>xar_header</c>, <c>archive.c</c>).
/// Every length and offset is checked before it is used; the TOC is inflated to at most <see cref="MaxTocBytes"/>.
/// </summary>
public sealed class XarArchive
{
    public const uint Magic = 0x78617221; // "xar!"
    public const int HeaderSize = 28;

    /// <summary>Compressed TOC larger than this is refused unread (real packages: kilobytes to a few MiB).</summary>
    public const long MaxCompressedTocBytes = 16 << 20;

    /// <summary>The inflated TOC may not exceed this, however small its compressed form (a zip bomb).</summary>
    public const long MaxTocBytes = 64 << 20;

    private XarArchive(long length, uint checksumAlgorithm, ReadOnlyMemory<byte> compressedToc, XElement toc, long heapOffset)
    {
        Length = length;
        ChecksumAlgorithm = checksumAlgorithm;
        CompressedToc = compressedToc;
        Toc = toc;
        HeapOffset = heapOffset;
    }

    public long Length { get; }

    /// <summary>0 none, 1 SHA-1, 2 MD5, 3 SHA-256, 4 SHA-512 (Apple xar <c>XAR_CKSUM_*</c>).</summary>
    public uint ChecksumAlgorithm { get; }

    public ReadOnlyMemory<byte> CompressedToc { get; }

    /// <summary>The <c>&lt;toc&gt;</c> element.</summary>
    public XElement Toc { get; }

    /// <summary>Where the heap starts: header plus compressed TOC (Apple xar <c>xar_get_heap_offset</c>).</summary>
    public long HeapOffset { get; }

    public static bool HasMagic(ReadOnlySpan<byte> start) => start.Length >= 4 && BinaryPrimitives.ReadUInt32BigEndian(start) == Magic;

    /// <exception cref="MalformedDataException">The header, the TOC's bounds, its compression or its XML are unusable.</exception>
    public static XarArchive Read(ReadAt read, long length)
    {
        Span<byte> header = stackalloc byte[HeaderSize];
        if (length < HeaderSize || read(header, 0) != HeaderSize)
        {
            throw new MalformedDataException(MalformedDataReason.Truncated, 0, "xar header", $"{length} bytes cannot hold the {HeaderSize}-byte header");
        }

        if (!HasMagic(header))
        {
            throw new MalformedDataException(MalformedDataReason.BadMagic, 0, "xar header", "the file does not start with \"xar!\"");
        }

        var size = BinaryPrimitives.ReadUInt16BigEndian(header[4..]);
        var version = BinaryPrimitives.ReadUInt16BigEndian(header[6..]);
        var compressed = BinaryPrimitives.ReadUInt64BigEndian(header[8..]);
        var uncompressed = BinaryPrimitives.ReadUInt64BigEndian(header[16..]);
        var algorithm = BinaryPrimitives.ReadUInt32BigEndian(header[24..]);
        // Apple's xar puts the heap at 28 + TOC whatever the size field says; other readers use the size field. They agree
        // only at 28, which every Apple-built package has: anything else is ambiguous, so refused.
        if (size != HeaderSize)
        {
            throw new MalformedDataException(MalformedDataReason.LengthTooSmall, 4, "xar header", $"header size {size}, not {HeaderSize} (readers disagree where such a TOC starts)");
        }

        if (version != 1)
        {
            throw new MalformedDataException(MalformedDataReason.BadMagic, 6, "xar header", $"version {version}, not 1");
        }

        if (compressed == 0 || compressed > MaxCompressedTocBytes || (long)compressed > length - HeaderSize)
        {
            throw new MalformedDataException(MalformedDataReason.OffsetOutOfRange, 8, "xar header",
                $"a {compressed}-byte compressed TOC does not fit the {length}-byte file (or exceeds {MaxCompressedTocBytes})");
        }

        if (uncompressed == 0 || uncompressed > MaxTocBytes)
        {
            throw new MalformedDataException(MalformedDataReason.CountExceedsLimit, 16, "xar header",
                $"the TOC says it inflates to {uncompressed} bytes; at most {MaxTocBytes} are accepted");
        }

        var toc = new byte[(int)compressed];
        if (read(toc, HeaderSize) != toc.Length)
        {
            throw new MalformedDataException(MalformedDataReason.Truncated, HeaderSize, "xar TOC", "the file ended inside the TOC");
        }

        var xml = Inflate(toc, (long)uncompressed);
        XElement root;
        try
        {
            using var reader = XmlReader.Create(new MemoryStream(xml), new XmlReaderSettings
            {
                DtdProcessing = DtdProcessing.Prohibit,
                XmlResolver = null,
                MaxCharactersInDocument = MaxTocBytes,
            });
            root = XElement.Load(reader);
        }
        catch (XmlException e)
        {
            throw new MalformedDataException(MalformedDataReason.BadMagic, HeaderSize, "xar TOC", $"the TOC is not well-formed XML: {e.Message}");
        }

        if (root.Name.LocalName != "xar" || root.Element("toc") is not { } tocElement)
        {
            throw new MalformedDataException(MalformedDataReason.BadMagic, HeaderSize, "xar TOC", "the TOC is not <xar><toc>…</toc></xar>");
        }

        return new XarArchive(length, algorithm, toc, tocElement, HeaderSize + (long)compressed);
    }

    /// <summary>The checksum algorithm the header names; null for none, MD5 (refused by Apple's xar) or unknown values.</summary>
    public HashAlgorithmName? ChecksumHash => ChecksumAlgorithm switch
    {
        1 => HashAlgorithmName.SHA1,
        3 => HashAlgorithmName.SHA256,
        4 => HashAlgorithmName.SHA512,
        _ => null,
    };

    /// <summary>A heap range (offset relative to the heap), checked against the file with overflow-safe arithmetic.</summary>
    public bool TryHeapRange(ulong offset, ulong size, out long fileOffset)
    {
        fileOffset = 0;
        var available = (ulong)(Length - HeapOffset);
        if (offset > available || size > available - offset)
        {
            return false;
        }

        fileOffset = HeapOffset + (long)offset;
        return true;
    }

    private static byte[] Inflate(byte[] compressed, long expected)
    {
        try
        {
            using var zlib = new ZLibStream(new MemoryStream(compressed), CompressionMode.Decompress);
            var output = new byte[expected];
            var total = 0;
            while (total < output.Length)
            {
                var n = zlib.Read(output, total, output.Length - total);
                if (n == 0)
                {
                    break;
                }

                total += n;
            }

            // One byte more than the header promised is a lie, and the inflation stops there.
            if (total != expected || zlib.ReadByte() >= 0)
            {
                throw new MalformedDataException(MalformedDataReason.LengthTooSmall, 16, "xar TOC",
                    total != expected ? $"the TOC inflates to {total} bytes, not the {expected} the header says" : $"the TOC inflates to more than the {expected} bytes the header says");
            }

            return output;
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            // zlib's Z_NEED_DICT (a header with FDICT set: RFC 1950 §2.2) and its other failures surface as
            // ZLibException, an IOException rather than an InvalidDataException (found by AFL).
            throw new MalformedDataException(MalformedDataReason.BadMagic, HeaderSize, "xar TOC", $"the TOC is not a zlib stream: {e.Message}");
        }
    }
}
