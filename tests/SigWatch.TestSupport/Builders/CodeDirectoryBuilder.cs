using System.Text;
using SigWatch.Core.CodeSigning;

namespace SigWatch.TestSupport.Builders;

/// <summary>
/// Builds a CodeDirectory blob in codesign's layout (reference §3.1: header, identifier, team, special slots, code
/// slots). Page hashes are computed from the code bytes given to <see cref="Build"/>; special-slot hashes from the
/// components given to <see cref="WithSpecialSlot"/>. Every header field can be overridden to make hostile input.
/// </summary>
public sealed class CodeDirectoryBuilder
{
    private readonly SortedDictionary<uint, byte[]> _specialHashes = new();

    public uint Version { get; set; } = CodeDirectoryLayout.SupportsExecSegment;

    public CodeDirectoryFlags Flags { get; set; } = CodeDirectoryFlags.AdHoc;

    public CodeHashType HashType { get; set; } = CodeHashType.Sha256;

    public byte PageSizeLog2 { get; set; } = 12;

    public string Identifier { get; set; } = "com.example.test";

    public string? TeamId { get; set; }

    public ulong ExecSegmentBase { get; set; }

    public ulong ExecSegmentLimit { get; set; }

    public ulong ExecSegmentFlags { get; set; }

    public uint RuntimeVersion { get; set; }

    public byte Platform { get; set; }

    /// <summary>Overrides <c>nCodeSlots</c> as written (hashes are still computed for the real pages).</summary>
    public uint? CodeSlotCountOverride { get; set; }

    public uint? HashOffsetOverride { get; set; }

    public byte? HashSizeOverride { get; set; }

    public uint? CodeLimitOverride { get; set; }

    public CodeDirectoryBuilder WithSpecialSlot(uint slot, ReadOnlySpan<byte> component)
    {
        _specialHashes[slot] = HashTruncated(component);
        return this;
    }

    /// <summary>Sets a special slot's stored hash directly (e.g. a resource-directory hash for a bare binary).</summary>
    public CodeDirectoryBuilder WithSpecialSlotHash(uint slot, byte[] hash)
    {
        _specialHashes[slot] = hash;
        return this;
    }

    public int HashSize => CodeHashing.HashSize(HashType);

    public int PageCount(long codeLength) =>
        PageSizeLog2 == 0 ? (codeLength > 0 ? 1 : 0) : (int)((codeLength + (1L << PageSizeLog2) - 1) >> PageSizeLog2);

    /// <summary>The size the blob will have for code of <paramref name="codeLength"/> bytes (for layout before hashing).</summary>
    public int SizeFor(long codeLength)
    {
        var special = _specialHashes.Count == 0 ? 0 : (int)_specialHashes.Keys.Max();
        return CodeDirectoryLayout.HeaderSize(Version) + Encoding.UTF8.GetByteCount(Identifier) + 1
            + (TeamId is null ? 0 : Encoding.UTF8.GetByteCount(TeamId) + 1)
            + ((special + PageCount(codeLength)) * HashSize);
    }

    public byte[] Build(ReadOnlySpan<byte> code)
    {
        var nSpecial = _specialHashes.Count == 0 ? 0u : _specialHashes.Keys.Max();
        var nCode = PageCount(code.Length);
        var headerSize = CodeDirectoryLayout.HeaderSize(Version);
        var identBytes = Encoding.UTF8.GetBytes(Identifier + "\0");
        var teamBytes = TeamId is null ? [] : Encoding.UTF8.GetBytes(TeamId + "\0");
        var identOffset = headerSize;
        var teamOffset = TeamId is null ? 0 : identOffset + identBytes.Length;
        var hashOffset = identOffset + identBytes.Length + teamBytes.Length + (int)(nSpecial * (uint)HashSize);
        var length = hashOffset + (nCode * HashSize);
        var limit = (ulong)code.Length;

        var w = new ByteWriter(bigEndian: true);
        w.U32(CodeSigningMagic.CodeDirectory);
        w.U32((uint)length);
        w.U32(Version);
        w.U32((uint)Flags);
        w.U32(HashOffsetOverride ?? (uint)hashOffset);
        w.U32((uint)identOffset);
        w.U32(nSpecial);
        w.U32(CodeSlotCountOverride ?? (uint)nCode);
        w.U32(CodeLimitOverride ?? (limit > uint.MaxValue ? uint.MaxValue : (uint)limit));
        w.U8(HashSizeOverride ?? (byte)HashSize);
        w.U8((byte)HashType);
        w.U8(Platform);
        w.U8(PageSizeLog2);
        w.U32(0); // spare2
        if (Version >= CodeDirectoryLayout.SupportsScatter)
        {
            w.U32(0);
        }

        if (Version >= CodeDirectoryLayout.SupportsTeamId)
        {
            w.U32((uint)teamOffset);
        }

        if (Version >= CodeDirectoryLayout.SupportsCodeLimit64)
        {
            w.U32(0);
            w.U64(limit > uint.MaxValue ? limit : 0);
        }

        if (Version >= CodeDirectoryLayout.SupportsExecSegment)
        {
            w.U64(ExecSegmentBase);
            w.U64(ExecSegmentLimit);
            w.U64(ExecSegmentFlags);
        }

        if (Version >= CodeDirectoryLayout.SupportsRuntime)
        {
            w.U32(RuntimeVersion);
            w.U32(0);
        }

        if (Version >= CodeDirectoryLayout.SupportsLinkage)
        {
            w.Zeros(12);
        }

        w.Bytes(identBytes);
        w.Bytes(teamBytes);
        for (var slot = nSpecial; slot >= 1; slot--)
        {
            w.Bytes(_specialHashes.TryGetValue(slot, out var h) ? h : new byte[HashSize]);
        }

        var pageSize = PageSizeLog2 == 0 ? code.Length : 1 << PageSizeLog2;
        for (var i = 0; i < nCode; i++)
        {
            var start = i * pageSize;
            var n = Math.Min(pageSize, code.Length - start);
            w.Bytes(HashTruncated(code.Slice(start, n)));
        }

        return w.ToArray();
    }

    private byte[] HashTruncated(ReadOnlySpan<byte> data) => CodeHashing.Hash(HashType, data).AsSpan(0, HashSize).ToArray();
}
