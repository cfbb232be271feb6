namespace SigWatch.Core.CodeSigning;

/// <summary>
/// Field offsets of <c>CS_CodeDirectory</c> (XNU <c>cs_blobs.h</c>, SEC <c>codedirectory.h</c>; reference §3.1) and the
/// version that introduces each group. Each offset is the previous one plus its size.
/// </summary>
public static class CodeDirectoryLayout
{
    public const uint EarliestVersion = 0x20001;
    public const uint SupportsScatter = 0x20100;
    public const uint SupportsTeamId = 0x20200;
    public const uint SupportsCodeLimit64 = 0x20300;
    public const uint SupportsExecSegment = 0x20400;
    public const uint SupportsRuntime = 0x20500;
    public const uint SupportsLinkage = 0x20600;

    /// <summary>SEC <c>compatibilityLimit</c>: versions at or above it are unsupported (errSecCSSignatureUnsupported).</summary>
    public const uint CompatibilityLimit = 0x2F000;

    public const int Magic = 0x00;
    public const int Length = Magic + 4;
    public const int Version = Length + 4;
    public const int Flags = Version + 4;
    public const int HashOffset = Flags + 4;
    public const int IdentOffset = HashOffset + 4;
    public const int NSpecialSlots = IdentOffset + 4;
    public const int NCodeSlots = NSpecialSlots + 4;
    public const int CodeLimit = NCodeSlots + 4;
    public const int HashSize = CodeLimit + 4;
    public const int HashType = HashSize + 1;
    public const int Platform = HashType + 1;
    public const int PageSize = Platform + 1;
    public const int Spare2 = PageSize + 1;
    public const int BaseHeaderSize = Spare2 + 4;                // 0x2C
    public const int ScatterOffset = BaseHeaderSize;             // 0x2C, ≥ 0x20100
    public const int TeamOffset = ScatterOffset + 4;             // 0x30, ≥ 0x20200
    public const int Spare3 = TeamOffset + 4;                    // 0x34, ≥ 0x20300
    public const int CodeLimit64 = Spare3 + 4;                   // 0x38
    public const int ExecSegBase = CodeLimit64 + 8;              // 0x40, ≥ 0x20400
    public const int ExecSegLimit = ExecSegBase + 8;             // 0x48
    public const int ExecSegFlags = ExecSegLimit + 8;            // 0x50
    public const int Runtime = ExecSegFlags + 8;                 // 0x58, ≥ 0x20500
    public const int PreEncryptOffset = Runtime + 4;             // 0x5C
    public const int LinkageHashType = PreEncryptOffset + 4;     // 0x60, ≥ 0x20600
    public const int LinkageApplicationType = LinkageHashType + 1;
    public const int LinkageApplicationSubType = LinkageApplicationType + 1;
    public const int LinkageOffset = LinkageApplicationSubType + 2;
    public const int LinkageSize = LinkageOffset + 4;
    public const int LinkageEnd = LinkageSize + 4;               // 0x6C

    /// <summary>The fixed header size a CodeDirectory of <paramref name="version"/> must have.</summary>
    public static int HeaderSize(uint version) => version switch
    {
        >= SupportsLinkage => LinkageEnd,
        >= SupportsRuntime => LinkageHashType,
        >= SupportsExecSegment => Runtime,
        >= SupportsCodeLimit64 => ExecSegBase,
        >= SupportsTeamId => Spare3,
        >= SupportsScatter => TeamOffset,
        _ => BaseHeaderSize,
    };
}
