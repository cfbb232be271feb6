using System.Buffers.Binary;
using System.Text;
using static SigWatch.Core.Plist.BinaryPlistLayout;

namespace SigWatch.Core.Plist;

/// <summary>
/// Writes bplist00 binary property lists. Equal scalar values (strings, numbers, dates, data, UIDs) are stored
/// once and shared, as CoreFoundation does; containers are never shared. Offset and reference widths are the
/// smallest that fit. Integers follow CFBinaryPList.c <c>_appendInt</c>/<c>_appendNumber</c>: non-negative values
/// in 1, 2, 4 or 8 bytes, negative values in 8 bytes, values above <see cref="long.MaxValue"/> in 16 bytes.
/// </summary>
public static class BinaryPropertyListWriter
{
    /// <summary>Serialises <paramref name="value"/> as bplist00.</summary>
    public static byte[] Write(PlistValue value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var objects = new List<PlistValue>();
        var childRefs = new List<int[]?>();
        var shared = new Dictionary<PlistValue, int>();
        Flatten(value, objects, childRefs, shared);

        var refSize = BytesFor((ulong)(objects.Count - 1));
        using var body = new MemoryStream();
        body.Write(Magic);
        var offsets = new long[objects.Count];
        for (var i = 0; i < objects.Count; i++)
        {
            offsets[i] = body.Position;
            WriteObject(body, objects[i], childRefs[i], refSize);
        }

        var tableOffset = body.Position;
        var offsetSize = BytesFor((ulong)tableOffset);
        Span<byte> scratch = stackalloc byte[8];
        foreach (var offset in offsets)
        {
            WriteSized(body, (ulong)offset, offsetSize, scratch);
        }

        Span<byte> trailer = stackalloc byte[TrailerLength];
        trailer.Clear();
        trailer[TrailerOffsetIntSize] = (byte)offsetSize;
        trailer[TrailerObjectRefSize] = (byte)refSize;
        BinaryPrimitives.WriteUInt64BigEndian(trailer[TrailerNumObjects..], (ulong)objects.Count);
        BinaryPrimitives.WriteUInt64BigEndian(trailer[TrailerTopObject..], 0);
        BinaryPrimitives.WriteUInt64BigEndian(trailer[TrailerOffsetTableOffset..], (ulong)tableOffset);
        body.Write(trailer);
        return body.ToArray();
    }

    /// <summary>Serialises <paramref name="value"/> as bplist00 to <paramref name="destination"/>.</summary>
    public static void Write(PlistValue value, Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        destination.Write(Write(value));
    }

    /// <summary>Assigns object numbers depth-first, root = 0; returns the number given to <paramref name="value"/>.</summary>
    private static int Flatten(PlistValue value, List<PlistValue> objects, List<int[]?> childRefs, Dictionary<PlistValue, int> shared)
    {
        var isContainer = value is PlistArray or PlistDictionary;
        if (!isContainer && shared.TryGetValue(value, out var existing))
        {
            return existing;
        }

        var id = objects.Count;
        objects.Add(value);
        childRefs.Add(null);
        switch (value)
        {
            case PlistArray array:
                {
                    var refs = new int[array.Count];
                    for (var i = 0; i < refs.Length; i++)
                    {
                        refs[i] = Flatten(array[i], objects, childRefs, shared);
                    }

                    childRefs[id] = refs;
                    break;
                }

            case PlistDictionary dict:
                {
                    // Keys first, then values, as the format lays them out.
                    var refs = new int[dict.Count * 2];
                    for (var i = 0; i < dict.Count; i++)
                    {
                        refs[i] = Flatten(new PlistString(dict[i].Key), objects, childRefs, shared);
                    }

                    for (var i = 0; i < dict.Count; i++)
                    {
                        refs[dict.Count + i] = Flatten(dict[i].Value, objects, childRefs, shared);
                    }

                    childRefs[id] = refs;
                    break;
                }

            default:
                shared.Add(value, id);
                break;
        }

        return id;
    }

    private static int BytesFor(ulong max) => max <= byte.MaxValue ? 1 : max <= ushort.MaxValue ? 2 : max <= uint.MaxValue ? 4 : 8;

    private static void WriteSized(Stream s, ulong value, int size, Span<byte> scratch)
    {
        BinaryPrimitives.WriteUInt64BigEndian(scratch, value);
        s.Write(scratch.Slice(8 - size, size));
    }

    private static void WriteMarkerAndCount(Stream s, int type, int count)
    {
        if (count < ExtendedCount)
        {
            s.WriteByte((byte)((type << 4) | count));
            return;
        }

        s.WriteByte((byte)((type << 4) | ExtendedCount));
        WriteInteger(s, count);
    }

    private static void WriteInteger(Stream s, Int128 value)
    {
        Span<byte> scratch = stackalloc byte[16];
        if (value > long.MaxValue)
        {
            s.WriteByte((TypeInteger << 4) | 4);
            BinaryPrimitives.WriteInt128BigEndian(scratch, value);
            s.Write(scratch);
            return;
        }

        var size = value < 0 ? 8 : BytesFor((ulong)value);
        s.WriteByte((byte)((TypeInteger << 4) | int.Log2(size)));
        WriteSized(s, (ulong)(long)value, size, scratch);
    }

    private static void WriteObject(Stream s, PlistValue value, int[]? refs, int refSize)
    {
        Span<byte> scratch = stackalloc byte[8];
        switch (value)
        {
            case PlistBoolean b:
                s.WriteByte(b.Value ? MarkerTrue : MarkerFalse);
                break;
            case PlistInteger i:
                WriteInteger(s, i.Value);
                break;
            case PlistReal r:
                s.WriteByte((TypeReal << 4) | 3);
                BinaryPrimitives.WriteDoubleBigEndian(scratch, r.Value);
                s.Write(scratch);
                break;
            case PlistDate d:
                s.WriteByte(MarkerDate);
                {
                    // Whole seconds and the tick remainder separately: a tick count near year 9999 (~2.5e17) is
                    // not exact in a double, but the whole seconds (< 2^53) are.
                    var whole = Math.DivRem(d.Value.UtcTicks - Epoch.UtcTicks, TimeSpan.TicksPerSecond, out var rest);
                    BinaryPrimitives.WriteDoubleBigEndian(scratch, whole + (rest / (double)TimeSpan.TicksPerSecond));
                }

                s.Write(scratch);
                break;
            case PlistData data:
                WriteMarkerAndCount(s, TypeData, data.Value.Length);
                s.Write(data.Value.Span);
                break;
            case PlistString str when Ascii.IsValid(str.Value):
                WriteMarkerAndCount(s, TypeAsciiString, str.Value.Length);
                s.Write(Encoding.ASCII.GetBytes(str.Value));
                break;
            case PlistString str:
                // Count is in UTF-16 code units, not bytes.
                WriteMarkerAndCount(s, TypeUtf16String, str.Value.Length);
                s.Write(Encoding.BigEndianUnicode.GetBytes(str.Value));
                break;
            case PlistUid uid:
                {
                    var size = BytesFor(uid.Value);
                    s.WriteByte((byte)((TypeUid << 4) | (size - 1)));
                    WriteSized(s, uid.Value, size, scratch);
                    break;
                }

            case PlistArray:
                WriteMarkerAndCount(s, TypeArray, refs!.Length);
                WriteRefs(s, refs, refSize, scratch);
                break;
            case PlistDictionary:
                WriteMarkerAndCount(s, TypeDictionary, refs!.Length / 2);
                WriteRefs(s, refs, refSize, scratch);
                break;
            default:
                throw new ArgumentException($"Unknown property-list value type {value.GetType().Name}.", nameof(value));
        }
    }

    private static void WriteRefs(Stream s, int[] refs, int refSize, Span<byte> scratch)
    {
        foreach (var r in refs)
        {
            WriteSized(s, (ulong)r, refSize, scratch);
        }
    }
}
