using System.Buffers.Binary;

namespace SigWatch.TestSupport.Builders;

/// <summary>Small growable writer with a fixed byte order, used by the builders.</summary>
internal sealed class ByteWriter(bool bigEndian)
{
    private readonly MemoryStream _stream = new();

    public int Position => (int)_stream.Position;

    public void U8(byte value) => _stream.WriteByte(value);

    public void U16(ushort value)
    {
        Span<byte> b = stackalloc byte[2];
        if (bigEndian) BinaryPrimitives.WriteUInt16BigEndian(b, value); else BinaryPrimitives.WriteUInt16LittleEndian(b, value);
        _stream.Write(b);
    }

    public void U32(uint value)
    {
        Span<byte> b = stackalloc byte[4];
        if (bigEndian) BinaryPrimitives.WriteUInt32BigEndian(b, value); else BinaryPrimitives.WriteUInt32LittleEndian(b, value);
        _stream.Write(b);
    }

    public void U64(ulong value)
    {
        Span<byte> b = stackalloc byte[8];
        if (bigEndian) BinaryPrimitives.WriteUInt64BigEndian(b, value); else BinaryPrimitives.WriteUInt64LittleEndian(b, value);
        _stream.Write(b);
    }

    public void Bytes(ReadOnlySpan<byte> bytes) => _stream.Write(bytes);

    public void Zeros(int count) => _stream.Write(new byte[count]);

    public void FixedString(string value, int length)
    {
        var bytes = new byte[length];
        System.Text.Encoding.ASCII.GetBytes(value, bytes);
        _stream.Write(bytes);
    }

    public void PadTo(int position)
    {
        if (Position < position)
        {
            Zeros(position - Position);
        }
    }

    public byte[] ToArray() => _stream.ToArray();
}
