using SigWatch.Core.CodeSigning;

namespace SigWatch.TestSupport.Builders;

/// <summary>
/// Builds a SuperBlob the way codesign lays it out: index sorted by slot type, blobs packed in that order with no
/// padding (SEC superblob.h). Tests may override an index offset with <see cref="WithIndexOffset"/> to corrupt it.
/// </summary>
public sealed class SuperBlobBuilder
{
    private readonly SortedDictionary<uint, byte[]> _blobs = new();
    private readonly Dictionary<uint, uint> _offsetOverrides = new();
    private uint _magic = CodeSigningMagic.EmbeddedSignature;
    private uint? _countOverride;

    public SuperBlobBuilder WithMagic(uint magic)
    {
        _magic = magic;
        return this;
    }

    public SuperBlobBuilder Add(uint slot, byte[] blob)
    {
        _blobs[slot] = blob;
        return this;
    }

    public SuperBlobBuilder WithIndexOffset(uint slot, uint offset)
    {
        _offsetOverrides[slot] = offset;
        return this;
    }

    public SuperBlobBuilder WithCount(uint count)
    {
        _countOverride = count;
        return this;
    }

    public int Size => SuperBlob.HeaderSize + (_blobs.Count * SuperBlob.IndexEntrySize) + _blobs.Values.Sum(b => b.Length);

    public byte[] Build()
    {
        var w = new ByteWriter(bigEndian: true);
        w.U32(_magic);
        w.U32((uint)Size);
        w.U32(_countOverride ?? (uint)_blobs.Count);
        var offset = (uint)(SuperBlob.HeaderSize + (_blobs.Count * SuperBlob.IndexEntrySize));
        foreach (var (slot, blob) in _blobs)
        {
            w.U32(slot);
            w.U32(_offsetOverrides.TryGetValue(slot, out var o) ? o : offset);
            offset += (uint)blob.Length;
        }

        foreach (var blob in _blobs.Values)
        {
            w.Bytes(blob);
        }

        return w.ToArray();
    }

    /// <summary>A BlobWrapper (<c>0xFADE0B01</c>) around raw bytes; an empty payload is the ad-hoc CMS slot.</summary>
    public static byte[] Wrapper(ReadOnlySpan<byte> payload) => Blob(CodeSigningMagic.BlobWrapper, payload);

    /// <summary>An empty requirements set, as codesign always writes on macOS (<c>FADE0C01 0000000C 00000000</c>).</summary>
    public static byte[] EmptyRequirements()
    {
        var w = new ByteWriter(bigEndian: true);
        w.U32(CodeSigningMagic.Requirements);
        w.U32(12);
        w.U32(0);
        return w.ToArray();
    }

    public static byte[] Blob(uint magic, ReadOnlySpan<byte> payload)
    {
        var w = new ByteWriter(bigEndian: true);
        w.U32(magic);
        w.U32((uint)(payload.Length + 8));
        w.Bytes(payload);
        return w.ToArray();
    }
}
