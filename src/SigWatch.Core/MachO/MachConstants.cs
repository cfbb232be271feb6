namespace SigWatch.Core.MachO;

/// <summary>
/// Constants from XNU <c>EXTERNAL_HEADERS/mach-o/loader.h</c> and cctools <c>include/mach-o/fat.h</c>
/// (reference §1.1–§1.2). Values are as read in the file's own byte order.
/// </summary>
public static class MachConstants
{
    public const uint MH_MAGIC = 0xFEEDFACE;
    public const uint MH_CIGAM = 0xCEFAEDFE;
    public const uint MH_MAGIC_64 = 0xFEEDFACF;
    public const uint MH_CIGAM_64 = 0xCFFAEDFE;

    /// <summary>Fat headers are always big-endian; these are the values read big-endian.</summary>
    public const uint FAT_MAGIC = 0xCAFEBABE;
    public const uint FAT_MAGIC_64 = 0xCAFEBABF;

    /// <summary>SEC macho++.cpp <c>MAX_ARCH_COUNT</c>: more fat entries than this is rejected before allocating.</summary>
    public const int MaxFatArchCount = 100;

    public const int MachHeaderSize = 28;
    public const int MachHeader64Size = 32;
    public const int FatHeaderSize = 8;
    public const int FatArchSize = 20;
    public const int FatArch64Size = 32;
    public const int LoadCommandHeaderSize = 8;
    public const int SegmentCommandSize = 56;
    public const int SegmentCommand64Size = 72;
    public const int SectionSize = 68;
    public const int Section64Size = 80;
    public const int LinkeditDataCommandSize = 16;

    public const uint LC_SEGMENT = 0x1;
    public const uint LC_SYMTAB = 0x2;
    public const uint LC_SEGMENT_64 = 0x19;
    public const uint LC_UUID = 0x1B;
    public const uint LC_CODE_SIGNATURE = 0x1D;
    public const uint LC_VERSION_MIN_MACOSX = 0x24;
    public const uint LC_VERSION_MIN_IPHONEOS = 0x25;
    public const uint LC_DYLIB_CODE_SIGN_DRS = 0x2B;
    public const uint LC_VERSION_MIN_TVOS = 0x2F;
    public const uint LC_VERSION_MIN_WATCHOS = 0x30;
    public const uint LC_BUILD_VERSION = 0x32;

    public const uint MH_OBJECT = 1;
    public const uint MH_EXECUTE = 2;
    public const uint MH_PRELOAD = 5;
    public const uint MH_DYLIB = 6;
    public const uint MH_DYLINKER = 7;
    public const uint MH_BUNDLE = 8;
    public const uint MH_KEXT_BUNDLE = 0xB;
    public const uint MH_FILESET = 0xC;

    /// <summary>
    /// The file types SEC signs and verifies as Mach-O code (machorep.cpp <c>MachORep::candidate</c>): dynamic images.
    /// Anything else, MH_OBJECT included ("maybe later"), is handled as a plain file by codesign, i.e. not code.
    /// </summary>
    public static bool IsCodeFileType(uint fileType) =>
        fileType is MH_EXECUTE or MH_DYLIB or MH_DYLINKER or MH_BUNDLE or MH_KEXT_BUNDLE or MH_PRELOAD;

    public static string FileTypeName(uint fileType) => fileType switch
    {
        MH_OBJECT => "object",
        MH_EXECUTE => "execute",
        MH_PRELOAD => "preload",
        MH_DYLIB => "dylib",
        MH_DYLINKER => "dylinker",
        MH_BUNDLE => "bundle",
        MH_KEXT_BUNDLE => "kext-bundle",
        MH_FILESET => "fileset",
        _ => $"0x{fileType:x}",
    };
}

/// <summary>Platform numbers of <c>LC_BUILD_VERSION</c> (loader.h <c>PLATFORM_*</c>).</summary>
public enum MachPlatform : uint
{
    Unknown = 0,
    MacOS = 1,
    IOS = 2,
    TvOS = 3,
    WatchOS = 4,
    BridgeOS = 5,
    MacCatalyst = 6,
    IOSSimulator = 7,
    TvOSSimulator = 8,
    WatchOSSimulator = 9,
    DriverKit = 10,
}
