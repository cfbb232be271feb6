using System.Buffers.Binary;

namespace SigWatch.Core.Tests.Plist;

/// <summary>
/// Hand-assembles bplist00 files from raw object encodings, so hostile tests state only the bytes they corrupt.
/// Defaults produce a valid file: offsets and refs sized by the caller, top object 0.
/// </summary>
internal sealed class BplistBuilder
{
    private readonly List<byte[]> _objects = [];

    public int OffsetSize { get; init; } = 1;

    public int RefSize { get; init; } = 1;

    public ulong? NumObjectsOverride { get; init; }

    public ulong TopObject { get; init; }

    public ulong? OffsetTableOffsetOverride { get; init; }

    public Func<int, ulong>? OffsetOverride { get; init; }

    public BplistBuilder Add(params byte[] encoded)
    {
        _objects.Add(encoded);
        return this;
    }

    /// <summary>A reference of <see cref="RefSize"/> bytes.</summary>
    public byte[] Ref(ulong objRef) => Sized(objRef, RefSize);

    public static byte[] Sized(ulong value, int size)
    {
        var buffer = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(buffer, value);
        return buffer[(8 - size)..];
    }

    public byte[] Build()
    {
        var bytes = new List<byte>("bplist00"u8.ToArray());
        var offsets = new List<ulong>();
        foreach (var o in _objects)
        {
            offsets.Add((ulong)bytes.Count);
            bytes.AddRange(o);
        }

        var tableOffset = (ulong)bytes.Count;
        for (var i = 0; i < offsets.Count; i++)
        {
            bytes.AddRange(Sized(OffsetOverride?.Invoke(i) ?? offsets[i], OffsetSize));
        }

        var trailer = new byte[32];
        trailer[6] = (byte)OffsetSize;
        trailer[7] = (byte)RefSize;
        BinaryPrimitives.WriteUInt64BigEndian(trailer.AsSpan(8), NumObjectsOverride ?? (ulong)_objects.Count);
        BinaryPrimitives.WriteUInt64BigEndian(trailer.AsSpan(16), TopObject);
        BinaryPrimitives.WriteUInt64BigEndian(trailer.AsSpan(24), OffsetTableOffsetOverride ?? tableOffset);
        bytes.AddRange(trailer);
        return [.. bytes];
    }
}
