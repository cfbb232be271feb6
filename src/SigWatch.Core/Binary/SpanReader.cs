using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace SigWatch.Core.Binary;

/// <summary>
/// A bounds-checked forward reader over a span with a byte order fixed at construction. Every read checks
/// its length with one unsigned comparison (negative or overflowing values wrap to huge unsigned ones and
/// fail the same test) and throws <see cref="MalformedDataException"/> with <see cref="MalformedDataReason.Truncated"/>.
/// <see cref="BaseOffset"/> maps positions back to file offsets for error reports.
/// </summary>
[DebuggerDisplay("{DebuggerDisplay,nq}")]
public ref struct SpanReader
{
    private readonly ReadOnlySpan<byte> _span;
    private int _position;

    public SpanReader(ReadOnlySpan<byte> span, bool bigEndian, string structure, long baseOffset = 0)
    {
        _span = span;
        _position = 0;
        BigEndian = bigEndian;
        Structure = structure;
        BaseOffset = baseOffset;
    }

    public readonly bool BigEndian { get; }

    public readonly string Structure { get; }

    /// <summary>File offset of the first byte of the span.</summary>
    public readonly long BaseOffset { get; }

    public readonly int Position => _position;

    public readonly int Length => _span.Length;

    public readonly int Remaining => _span.Length - _position;

    /// <summary>File offset of the cursor.</summary>
    public readonly long FileOffset => BaseOffset + _position;

    public byte ReadUInt8()
    {
        EnsureAvailable(1);
        return _span[_position++];
    }

    public ushort ReadUInt16()
    {
        var bytes = Take(2);
        return BigEndian ? BinaryPrimitives.ReadUInt16BigEndian(bytes) : BinaryPrimitives.ReadUInt16LittleEndian(bytes);
    }

    public uint ReadUInt32()
    {
        var bytes = Take(4);
        return BigEndian ? BinaryPrimitives.ReadUInt32BigEndian(bytes) : BinaryPrimitives.ReadUInt32LittleEndian(bytes);
    }

    public int ReadInt32() => unchecked((int)ReadUInt32());

    public ulong ReadUInt64()
    {
        var bytes = Take(8);
        return BigEndian ? BinaryPrimitives.ReadUInt64BigEndian(bytes) : BinaryPrimitives.ReadUInt64LittleEndian(bytes);
    }

    /// <summary>Returns the next <paramref name="length"/> bytes without copying and advances past them.</summary>
    public ReadOnlySpan<byte> ReadSlice(int length) => Take(length);

    /// <summary>Reads a fixed-width, NUL-padded ASCII name such as <c>segname[16]</c>.</summary>
    public string ReadFixedString(int length)
    {
        var bytes = Take(length);
        var end = bytes.IndexOf((byte)0);
        return System.Text.Encoding.ASCII.GetString(end < 0 ? bytes : bytes[..end]);
    }

    public void Skip(int length) => Take(length);

    /// <summary>Moves the cursor to an absolute position inside the span.</summary>
    public void Seek(int position)
    {
        if ((uint)position > (uint)_span.Length)
        {
            ThrowHelper.Malformed(MalformedDataReason.Truncated, BaseOffset + (uint)position, Structure,
                $"seek to {position} in {_span.Length} bytes");
        }

        _position = position;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ReadOnlySpan<byte> Take(int length)
    {
        EnsureAvailable(length);
        var slice = _span.Slice(_position, length);
        _position += length;
        return slice;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly void EnsureAvailable(int length)
    {
        // (uint) casts make a negative length fail the same single comparison as an over-long one.
        if ((uint)length > (uint)(_span.Length - _position))
        {
            ThrowTruncated(length);
        }
    }

    private readonly void ThrowTruncated(int length) =>
        ThrowHelper.Malformed(MalformedDataReason.Truncated, FileOffset, Structure,
            $"need {length} bytes, {Remaining} remain");

    private readonly string DebuggerDisplay
    {
        get
        {
            var start = Math.Max(0, _position - 8);
            var end = Math.Min(_span.Length, _position + 8);
            var before = Convert.ToHexString(_span[start.._position]);
            var after = Convert.ToHexString(_span[_position..end]);
            return $"{Structure} @{_position}/{_span.Length} {before}*{after}";
        }
    }
}
