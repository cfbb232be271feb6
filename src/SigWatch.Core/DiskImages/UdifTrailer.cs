using System.Buffers.Binary;
using SigWatch.Core.Binary;

namespace SigWatch.Core.DiskImages;

/// <summary>
/// The 512-byte UDIF trailer ("koly" block) at the end of a .dmg, big-endian (reference §1 byte-order table; field
/// layout as in RCS dmg.rs <c>KolyTrailer</c> and node-udif <c>KolyBlock</c>). Only the fields SigWatch reads are
/// kept: where the data fork and the XML plist are, and where the embedded code signature is (offset 296, length 304).
/// </summary>
public sealed class UdifTrailer
{
    public const int Size = 512;
    public const uint Magic = 0x6B6F6C79; // "koly"
    public const int XmlOffsetField = 216;
    public const int XmlLengthField = 224;
    public const int SignatureOffsetField = 296;
    public const int SignatureLengthField = 304;

    private UdifTrailer(byte[] bytes, long fileOffset)
    {
        Bytes = bytes;
        FileOffset = fileOffset;
        var span = bytes.AsSpan();
        Version = BinaryPrimitives.ReadUInt32BigEndian(span[4..]);
        HeaderSize = BinaryPrimitives.ReadUInt32BigEndian(span[8..]);
        DataForkOffset = BinaryPrimitives.ReadUInt64BigEndian(span[24..]);
        DataForkLength = BinaryPrimitives.ReadUInt64BigEndian(span[32..]);
        XmlOffset = BinaryPrimitives.ReadUInt64BigEndian(span[XmlOffsetField..]);
        XmlLength = BinaryPrimitives.ReadUInt64BigEndian(span[XmlLengthField..]);
        SignatureOffset = BinaryPrimitives.ReadUInt64BigEndian(span[SignatureOffsetField..]);
        SignatureLength = BinaryPrimitives.ReadUInt64BigEndian(span[SignatureLengthField..]);
    }

    /// <summary>The trailer exactly as on disk.</summary>
    public ReadOnlyMemory<byte> Bytes { get; }

    /// <summary>Where the trailer starts: the file's length minus 512.</summary>
    public long FileOffset { get; }

    public uint Version { get; }

    public uint HeaderSize { get; }

    public ulong DataForkOffset { get; }

    public ulong DataForkLength { get; }

    public ulong XmlOffset { get; }

    public ulong XmlLength { get; }

    public ulong SignatureOffset { get; }

    public ulong SignatureLength { get; }

    /// <summary>Both signature fields zero: the image carries no embedded signature.</summary>
    public bool IsSigned => SignatureOffset != 0 || SignatureLength != 0;

    /// <summary>True when the last 512 bytes start with "koly": the file is a UDIF disk image (SEC DiskImageRep::candidate).</summary>
    public static bool HasMagic(ReadOnlySpan<byte> last512) =>
        last512.Length == Size && BinaryPrimitives.ReadUInt32BigEndian(last512) == Magic;

    /// <exception cref="MalformedDataException">Not a koly block, or a version or header size SEC would not accept.</exception>
    public static UdifTrailer Parse(ReadOnlySpan<byte> last512, long fileOffset)
    {
        if (last512.Length != Size)
        {
            throw new MalformedDataException(MalformedDataReason.Truncated, fileOffset, "UDIF trailer", $"{last512.Length} bytes, not {Size}");
        }

        if (!HasMagic(last512))
        {
            throw new MalformedDataException(MalformedDataReason.BadMagic, fileOffset, "UDIF trailer", "the last 512 bytes do not start with \"koly\"");
        }

        var trailer = new UdifTrailer(last512.ToArray(), fileOffset);
        if (trailer.HeaderSize != Size)
        {
            throw new MalformedDataException(MalformedDataReason.LengthTooSmall, fileOffset + 8, "UDIF trailer", $"header size {trailer.HeaderSize}, not {Size}");
        }

        return trailer;
    }

    /// <summary>
    /// The bytes special slot −6 (cdRepSpecificSlot) binds: the trailer as the signer saw it, i.e. with the signature's
    /// length field zero and its offset field where the signature goes (reference §5; SEC diskimagerep.cpp).
    /// </summary>
    public byte[] AsSigned()
    {
        var copy = Bytes.ToArray();
        BinaryPrimitives.WriteUInt64BigEndian(copy.AsSpan(SignatureLengthField), 0);
        return copy;
    }
}
