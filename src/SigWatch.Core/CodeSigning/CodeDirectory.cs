using System.Diagnostics;
using System.Text;
using SigWatch.Core.Binary;

namespace SigWatch.Core.CodeSigning;

/// <summary>
/// A parsed CodeDirectory blob (reference §3). Only fields the version covers are read (SEC gates each accessor on
/// <c>version ≥ supportsX</c>). Structural failures throw <see cref="MalformedDataException"/>; the softer
/// consistency rules of SEC <c>checkIntegrity</c> / XNU <c>cs_validate_codedirectory</c> become <see cref="Issues"/>,
/// and hashes are only compared when <see cref="CanCheckHashes"/> is true.
/// </summary>
[DebuggerDisplay("CodeDirectory v0x{Version,h} {HashType} {Identifier}")]
public sealed class CodeDirectory
{
    private const string Structure = "CodeDirectory";
    private byte[]? _fullCdHash;

    private CodeDirectory(ReadOnlyMemory<byte> bytes, long fileOffset)
    {
        Bytes = bytes;
        FileOffset = fileOffset;
    }

    /// <summary>The whole blob, <c>length</c> bytes from its magic: what the cdhash and the CMS signature cover.</summary>
    public ReadOnlyMemory<byte> Bytes { get; }

    public long FileOffset { get; }

    public uint Version { get; private set; }

    public CodeDirectoryFlags Flags { get; private set; }

    public uint HashOffset { get; private set; }

    public uint IdentOffset { get; private set; }

    public uint SpecialSlotCount { get; private set; }

    public uint CodeSlotCount { get; private set; }

    /// <summary>The 32-bit <c>codeLimit</c> field; see <see cref="CodeLimit"/> for the effective value.</summary>
    public uint CodeLimit32 { get; private set; }

    public byte HashSize { get; private set; }

    public CodeHashType HashType { get; private set; }

    /// <summary>Non-zero identifies a platform binary (the field was <c>spare1</c>).</summary>
    public byte Platform { get; private set; }

    /// <summary>log2 of the page size; 0 means one page covering the whole code range.</summary>
    public byte PageSizeLog2 { get; private set; }

    public uint ScatterOffset { get; private set; }

    public uint TeamOffset { get; private set; }

    public ulong CodeLimit64 { get; private set; }

    public ulong ExecSegmentBase { get; private set; }

    public ulong ExecSegmentLimit { get; private set; }

    public ulong ExecSegmentFlags { get; private set; }

    /// <summary>Hardened-runtime version, packed like an SDK version; 0 before version 0x20500.</summary>
    public uint RuntimeVersion { get; private set; }

    public uint PreEncryptOffset { get; private set; }

    public byte LinkageHashType { get; private set; }

    public byte LinkageApplicationType { get; private set; }

    public ushort LinkageApplicationSubType { get; private set; }

    public uint LinkageOffset { get; private set; }

    public uint LinkageSize { get; private set; }

    public string Identifier { get; private set; } = string.Empty;

    public string? TeamId { get; private set; }

    /// <summary>Consistency problems (empty for a well-formed CodeDirectory).</summary>
    public IReadOnlyList<CodeDirectoryIssue> Issues { get; private set; } = [];

    /// <summary>True when the hash type is supported and every hash slot lies inside the blob.</summary>
    public bool CanCheckHashes { get; private set; }

    /// <summary><c>codeLimit64</c> when the version has it and it is non-zero, else <c>codeLimit</c> (§3.6, §4).</summary>
    public ulong CodeLimit => Version >= CodeDirectoryLayout.SupportsCodeLimit64 && CodeLimit64 != 0 ? CodeLimit64 : CodeLimit32;

    /// <summary>Page size in bytes; 0 for "one page" (monolithic).</summary>
    public int PageSize => PageSizeLog2 == 0 ? 0 : 1 << PageSizeLog2;

    public bool IsAdHoc => (Flags & CodeDirectoryFlags.AdHoc) != 0;

    public bool IsLinkerSigned => (Flags & CodeDirectoryFlags.LinkerSigned) != 0;

    /// <summary>The untruncated digest of <see cref="Bytes"/> with the CD's own hash type (SEC <c>cdhash()</c>).</summary>
    public byte[] FullCdHash => _fullCdHash ??= CodeHashing.IsSupported(HashType) ? CodeHashing.Hash(HashType, Bytes.Span) : [];

    /// <summary>The cdhash codesign prints: the first 20 bytes of <see cref="FullCdHash"/> (§3.7).</summary>
    public ReadOnlySpan<byte> CdHash => FullCdHash.AsSpan(0, Math.Min(CodeHashing.CdHashLength, FullCdHash.Length));

    public string CdHashHex => Convert.ToHexStringLower(CdHash);

    /// <summary>Reads a CodeDirectory blob; <paramref name="bytes"/> must be exactly the blob (its own length).</summary>
    public static CodeDirectory Parse(ReadOnlyMemory<byte> bytes, long fileOffset = 0)
    {
        var cd = new CodeDirectory(bytes, fileOffset);
        cd.Read();
        return cd;
    }

    /// <summary>
    /// The hash stored for <paramref name="slot"/>: code slots 0…n−1, special slots as −1…−n (§3.5).
    /// Only valid when <see cref="CanCheckHashes"/> and the slot is in range.
    /// </summary>
    public ReadOnlySpan<byte> GetSlotHash(int slot)
    {
        if (!CanCheckHashes || slot >= CodeSlotCount || -slot > SpecialSlotCount)
        {
            throw new ArgumentOutOfRangeException(nameof(slot), slot, "slot not present in this CodeDirectory");
        }

        var offset = (long)HashOffset + ((long)slot * HashSize);
        return Bytes.Span.Slice((int)offset, HashSize);
    }

    /// <summary>SEC <c>slotIsPresent</c>: a special slot is present when it is in range and its hash is not all zero.</summary>
    public bool HasSpecialSlot(uint slot) =>
        CanCheckHashes && slot >= 1 && slot <= SpecialSlotCount && GetSlotHash(-(int)slot).ContainsAnyExcept((byte)0);

    private void Read()
    {
        var span = Bytes.Span;
        var reader = new SpanReader(span, bigEndian: true, Structure, FileOffset);
        var magic = reader.ReadUInt32();
        if (magic != CodeSigningMagic.CodeDirectory)
        {
            ThrowHelper.Malformed(MalformedDataReason.BadMagic, FileOffset, Structure, $"0x{magic:x8}");
        }

        var length = reader.ReadUInt32();
        if (length != (uint)span.Length)
        {
            ThrowHelper.Malformed(MalformedDataReason.InvalidFieldValue, FileOffset + 4, Structure,
                $"length {length} but blob has {span.Length} bytes");
        }

        Version = reader.ReadUInt32();
        if (span.Length < CodeDirectoryLayout.HeaderSize(Version))
        {
            ThrowHelper.Malformed(MalformedDataReason.LengthTooSmall, FileOffset, Structure,
                $"{span.Length} bytes cannot hold a version 0x{Version:x} header");
        }

        Flags = (CodeDirectoryFlags)reader.ReadUInt32();
        HashOffset = reader.ReadUInt32();
        IdentOffset = reader.ReadUInt32();
        SpecialSlotCount = reader.ReadUInt32();
        CodeSlotCount = reader.ReadUInt32();
        CodeLimit32 = reader.ReadUInt32();
        HashSize = reader.ReadUInt8();
        HashType = (CodeHashType)reader.ReadUInt8();
        Platform = reader.ReadUInt8();
        PageSizeLog2 = reader.ReadUInt8();
        reader.Skip(4); // spare2
        Debug.Assert(reader.Position == CodeDirectoryLayout.BaseHeaderSize);
        if (Version >= CodeDirectoryLayout.SupportsScatter)
        {
            ScatterOffset = reader.ReadUInt32();
        }

        if (Version >= CodeDirectoryLayout.SupportsTeamId)
        {
            TeamOffset = reader.ReadUInt32();
        }

        if (Version >= CodeDirectoryLayout.SupportsCodeLimit64)
        {
            reader.Skip(4); // spare3
            CodeLimit64 = reader.ReadUInt64();
        }

        if (Version >= CodeDirectoryLayout.SupportsExecSegment)
        {
            Debug.Assert(reader.Position == CodeDirectoryLayout.ExecSegBase);
            ExecSegmentBase = reader.ReadUInt64();
            ExecSegmentLimit = reader.ReadUInt64();
            ExecSegmentFlags = reader.ReadUInt64();
        }

        if (Version >= CodeDirectoryLayout.SupportsRuntime)
        {
            Debug.Assert(reader.Position == CodeDirectoryLayout.Runtime);
            RuntimeVersion = reader.ReadUInt32();
            PreEncryptOffset = reader.ReadUInt32();
        }

        if (Version >= CodeDirectoryLayout.SupportsLinkage)
        {
            Debug.Assert(reader.Position == CodeDirectoryLayout.LinkageHashType);
            LinkageHashType = reader.ReadUInt8();
            LinkageApplicationType = reader.ReadUInt8();
            LinkageApplicationSubType = reader.ReadUInt16();
            LinkageOffset = reader.ReadUInt32();
            LinkageSize = reader.ReadUInt32();
        }

        CheckIntegrity(span);
    }

    private void CheckIntegrity(ReadOnlySpan<byte> span)
    {
        var issues = new List<CodeDirectoryIssue>();
        void Add(MalformedDataReason reason, int fieldOffset, string detail) =>
            issues.Add(new CodeDirectoryIssue(reason, FileOffset + fieldOffset, detail));

        if (Version < CodeDirectoryLayout.EarliestVersion || Version >= CodeDirectoryLayout.CompatibilityLimit)
        {
            Add(MalformedDataReason.UnsupportedVersion, CodeDirectoryLayout.Version, $"version 0x{Version:x} is outside 0x20001…0x2F000");
        }

        var identifier = ReadCString(span, IdentOffset);
        if (identifier is null)
        {
            Add(MalformedDataReason.UnterminatedString, CodeDirectoryLayout.IdentOffset,
                $"identOffset 0x{IdentOffset:x} is not a NUL-terminated string inside the CodeDirectory");
        }

        Identifier = identifier ?? string.Empty;
        if (TeamOffset != 0)
        {
            TeamId = ReadCString(span, TeamOffset);
            if (TeamId is null)
            {
                Add(MalformedDataReason.UnterminatedString, CodeDirectoryLayout.TeamOffset,
                    $"teamOffset 0x{TeamOffset:x} is not a NUL-terminated string inside the CodeDirectory");
            }
        }

        var hashTypeOk = true;
        if (!CodeHashing.IsSupported(HashType))
        {
            Add(MalformedDataReason.InvalidFieldValue, CodeDirectoryLayout.HashType, $"unsupported hashType {(byte)HashType}");
            hashTypeOk = false;
        }
        else if (HashSize != CodeHashing.HashSize(HashType))
        {
            // XNU rejects a hashSize that does not match the hashType.
            Add(MalformedDataReason.InvalidFieldValue, CodeDirectoryLayout.HashSize,
                $"hashSize {HashSize} does not match {CodeHashing.Name(HashType)}");
            hashTypeOk = false;
        }

        // [hashOffset − nSpecial·hashSize, hashOffset + nCode·hashSize) must be inside the CD; long arithmetic cannot wrap.
        var start = (long)HashOffset - ((long)SpecialSlotCount * HashSize);
        var end = (long)HashOffset + ((long)CodeSlotCount * HashSize);
        var rangeOk = start >= CodeDirectoryLayout.HeaderSize(Version) && end <= span.Length;
        if (!rangeOk)
        {
            Add(MalformedDataReason.OffsetOutOfRange, CodeDirectoryLayout.HashOffset,
                $"hash slots [{start}, {end}) are not inside the {span.Length}-byte CodeDirectory");
        }

        var slotsOk = false;
        if (PageSizeLog2 >= 32)
        {
            Add(MalformedDataReason.InvalidFieldValue, CodeDirectoryLayout.PageSize, $"pageSize log2 {PageSizeLog2}");
        }
        else
        {
            var limit = CodeLimit;
            ulong expected = PageSizeLog2 != 0
                ? (limit > 0 ? ((limit - 1) >> PageSizeLog2) + 1 : 0)
                : (limit > 0 ? 1u : 0u);
            if ((PageSizeLog2 != 0 && limit == 0) || CodeSlotCount != expected)
            {
                Add(MalformedDataReason.InvalidFieldValue, CodeDirectoryLayout.NCodeSlots,
                    $"nCodeSlots {CodeSlotCount} does not cover codeLimit {limit} with page size 2^{PageSizeLog2} (expected {expected})");
            }
            else
            {
                slotsOk = true;
            }
        }

        if (ScatterOffset != 0)
        {
            // Scatter vectors are obsolete (codesign never writes one); their page mapping is not implemented,
            // so a CD that uses one is reported rather than checked with the wrong layout.
            Add(MalformedDataReason.InvalidFieldValue, CodeDirectoryLayout.ScatterOffset, "scatter vector present (obsolete, not supported)");
        }

        // Page hashes are only compared when the slots map onto [0, codeLimit) exactly; otherwise the integrity
        // issue above already makes the signature invalid and guessing a mapping could only mislead.
        CanCheckHashes = hashTypeOk && rangeOk && slotsOk && ScatterOffset == 0;
        Issues = issues;
    }

    private static string? ReadCString(ReadOnlySpan<byte> span, uint offset)
    {
        if (offset >= (uint)span.Length)
        {
            return null;
        }

        var rest = span[(int)offset..];
        var nul = rest.IndexOf((byte)0);
        return nul < 0 ? null : Encoding.UTF8.GetString(rest[..nul]);
    }
}

/// <summary>One consistency problem in a CodeDirectory, with the file offset of the offending field.</summary>
public sealed record CodeDirectoryIssue(MalformedDataReason Reason, long Offset, string Detail);
