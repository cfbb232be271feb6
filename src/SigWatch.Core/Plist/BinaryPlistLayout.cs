namespace SigWatch.Core.Plist;

/// <summary>
/// The bplist00 layout, as documented in the header comment of Apple's CF-Lite <c>CFBinaryPList.c</c>:
/// an 8-byte header, the objects, an offset table, and a 32-byte trailer. All integers are big-endian.
/// </summary>
internal static class BinaryPlistLayout
{
    /// <summary>"bplist00": magic "bplist" plus format version "00".</summary>
    public static ReadOnlySpan<byte> Magic => "bplist00"u8;

    /// <summary>"bplist" without the version, to recognise other versions and reject them by name.</summary>
    public static ReadOnlySpan<byte> MagicPrefix => "bplist"u8;

    public const int HeaderLength = 8;

    // Trailer fields, each following the previous one (CFBinaryPlistTrailer: 5 unused bytes, then sortVersion).
    public const int TrailerLength = 32;
    public const int TrailerUnusedLength = 5;
    public const int TrailerSortVersion = TrailerUnusedLength;                       // 5, 1 byte
    public const int TrailerOffsetIntSize = TrailerSortVersion + 1;                  // 6, 1 byte
    public const int TrailerObjectRefSize = TrailerOffsetIntSize + 1;                // 7, 1 byte
    public const int TrailerNumObjects = TrailerObjectRefSize + 1;                   // 8, 8 bytes
    public const int TrailerTopObject = TrailerNumObjects + 8;                       // 16, 8 bytes
    public const int TrailerOffsetTableOffset = TrailerTopObject + 8;                // 24, 8 bytes

    // Marker high nibbles ("Object Formats" in CFBinaryPList.c).
    public const byte TypeSimple = 0x0;      // null 0x00 (v1x only), false 0x08, true 0x09, fill 0x0F
    public const byte TypeInteger = 0x1;     // 0x1n: 2^n big-endian bytes
    public const byte TypeReal = 0x2;        // 0x2n: 2^n bytes (4 or 8)
    public const byte TypeDate = 0x3;        // 0x33: 8-byte double, seconds since 2001-01-01
    public const byte TypeData = 0x4;        // 0x4n [int count]
    public const byte TypeAsciiString = 0x5; // 0x5n [int count], count bytes
    public const byte TypeUtf16String = 0x6; // 0x6n [int count], count UTF-16BE units
    public const byte TypeUtf8String = 0x7;  // v1x only: rejected in bplist00
    public const byte TypeUid = 0x8;         // 0x8n: n+1 bytes
    public const byte TypeArray = 0xA;       // 0xAn [int count] objref*
    public const byte TypeSet = 0xC;         // 0xCn [int count] objref* (v1x; read as an array)
    public const byte TypeDictionary = 0xD;  // 0xDn [int count] keyref* objref*

    public const byte MarkerNull = 0x00;
    public const byte MarkerFalse = 0x08;
    public const byte MarkerTrue = 0x09;
    public const byte MarkerFill = 0x0F;
    public const byte MarkerDate = 0x33;

    /// <summary>Low nibble 0xF: the count does not fit in 4 bits and an integer object follows.</summary>
    public const int ExtendedCount = 0xF;

    /// <summary>Seconds between 0001-01-01 and the binary/CF epoch 2001-01-01T00:00:00Z.</summary>
    public static readonly DateTimeOffset Epoch = new(2001, 1, 1, 0, 0, 0, TimeSpan.Zero);
}
