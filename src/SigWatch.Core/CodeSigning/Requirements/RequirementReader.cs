using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;

namespace SigWatch.Core.CodeSigning.Requirements;

/// <summary>
/// A bounds-checked big-endian cursor over a requirement program (the operand rules of reqreader.cpp: u32/i32,
/// i64, and data = u32 length + bytes + zero padding to 4). Every read checks the remaining length first with the
/// unsigned-cast idiom, so a hostile length can neither overflow nor cause an allocation.
/// Kept private to Requirements/ on purpose: the shared binary reader belongs to another module.
/// </summary>
internal ref struct RequirementReader
{
    private readonly ReadOnlySpan<byte> _buffer;
    private readonly int _baseOffset;
    private int _position;

    public RequirementReader(ReadOnlySpan<byte> buffer, int baseOffset)
    {
        _buffer = buffer;
        _baseOffset = baseOffset;
        _position = 0;
    }

    /// <summary>Offset of the cursor from the start of the outermost blob (for error reports).</summary>
    public readonly int Offset => _baseOffset + _position;

    public readonly int Remaining => _buffer.Length - _position;

    public uint ReadUInt32()
    {
        Require(4, "u32");
        var value = BinaryPrimitives.ReadUInt32BigEndian(_buffer.Slice(_position, 4));
        _position += 4;
        return value;
    }

    public int ReadInt32() => unchecked((int)ReadUInt32());

    public long ReadInt64()
    {
        Require(8, "i64");
        var value = BinaryPrimitives.ReadInt64BigEndian(_buffer.Slice(_position, 8));
        _position += 8;
        return value;
    }

    /// <summary>A length-prefixed datum; the zero padding to a 4-byte boundary must be present too.</summary>
    public ReadOnlySpan<byte> ReadData()
    {
        var start = Offset;
        var length = ReadUInt32();
        var padded = ((ulong)length + 3) & ~3UL;
        if (padded > (ulong)Remaining)
        {
            Throw(RequirementFormatError.Truncated, start, $"data of {length} bytes (padded {padded}) exceeds the {Remaining} bytes left");
        }

        var data = _buffer.Slice(_position, (int)length);
        _position += (int)padded;
        return data;
    }

    /// <summary>Exactly <paramref name="count"/> bytes with no padding (the generic-opcode skip).</summary>
    public ReadOnlySpan<byte> ReadRaw(int count)
    {
        Require(count, "raw bytes");
        var data = _buffer.Slice(_position, count);
        _position += count;
        return data;
    }

    private readonly void Require(int count, string what)
    {
        if ((uint)count > (uint)Remaining)
        {
            Throw(RequirementFormatError.Truncated, Offset, $"{what} needs {count} bytes, {Remaining} left");
        }
    }

    [DoesNotReturn]
    public static void Throw(RequirementFormatError reason, int offset, string detail) =>
        throw new MalformedRequirementException(reason, offset, detail);
}
