using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using static SigWatch.Core.Plist.BinaryPlistLayout;

namespace SigWatch.Core.Plist;

/// <summary>
/// Reads bplist00 binary property lists from untrusted bytes. The trailer, the offset table and every
/// object reference are validated before use; counts are checked against the bytes that remain before
/// anything is allocated; a reference back to an object on the current path is a <see cref="PlistErrorReason.ReferenceCycle"/>
/// (an object shared by two containers is legal and decoded once).
/// </summary>
public static class BinaryPropertyListReader
{
    private static readonly UnicodeEncoding s_strictUtf16BE = new(bigEndian: true, byteOrderMark: false, throwOnInvalidBytes: true);

    /// <summary>Reads a binary property list.</summary>
    /// <exception cref="PlistFormatException">The input is malformed or over a limit; <see cref="PlistFormatException.Offset"/> says where.</exception>
    public static PlistValue Read(ReadOnlySpan<byte> bytes, PlistReaderOptions? options = null)
    {
        options ??= PlistReaderOptions.Default;
        try
        {
            var decoder = new Decoder(bytes, options);
            return decoder.ReadTop();
        }
        catch (PlistFormatException)
        {
            throw;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Defence in depth: the decoder checks before it reads, so this is a bug, but the contract is
            // that nothing but PlistFormatException escapes for any input.
            throw new PlistFormatException(PlistErrorReason.Truncated, "internal decoding failure: " + ex.GetType().Name, offset: 0, inner: ex);
        }
    }

    /// <summary>Reads a binary property list without throwing for bad input.</summary>
    /// <param name="bytes">The input.</param>
    /// <param name="value">The value on success; treat as uninitialised on failure.</param>
    /// <param name="error">The error on failure; treat as uninitialised on success.</param>
    /// <param name="options">Limits; <see cref="PlistReaderOptions.Default"/> when null.</param>
    public static bool TryRead(ReadOnlySpan<byte> bytes, [NotNullWhen(true)] out PlistValue? value, [NotNullWhen(false)] out PlistFormatException? error, PlistReaderOptions? options = null)
    {
        try
        {
            value = Read(bytes, options);
            error = null;
            return true;
        }
        catch (PlistFormatException ex)
        {
            value = null;
            error = ex;
            return false;
        }
    }

    private ref struct Decoder
    {
        private readonly ReadOnlySpan<byte> _data;
        private readonly PlistReaderOptions _options;
        private int _offsetIntSize;
        private int _refSize;
        private int _numObjects;
        private int _topObject;
        private int _offsetTableOffset;
        private PlistValue?[] _decoded = [];
        private bool[] _onPath = [];

        public Decoder(ReadOnlySpan<byte> data, PlistReaderOptions options)
        {
            _data = data;
            _options = options;
        }

        public PlistValue ReadTop()
        {
            ReadTrailer();
            return ReadObject(_topObject, depth: 0);
        }

        private void ReadTrailer()
        {
            if (_data.Length > _options.MaxDocumentBytes)
            {
                PlistThrow.Binary(PlistErrorReason.DocumentTooLarge, 0, $"{_data.Length} bytes exceeds the limit of {_options.MaxDocumentBytes}");
            }

            if (_data.Length < HeaderLength || !_data[..HeaderLength].SequenceEqual(Magic))
            {
                PlistThrow.Binary(PlistErrorReason.UnknownFormat, 0, "missing bplist00 header");
            }

            // Smallest possible file: header, one 1-byte object, a 1-byte offset table, the trailer.
            if (_data.Length < HeaderLength + 1 + 1 + TrailerLength)
            {
                PlistThrow.Binary(PlistErrorReason.InvalidTrailer, _data.Length, "file too short for a trailer");
            }

            var trailerStart = _data.Length - TrailerLength;
            var trailer = _data[trailerStart..];
            _offsetIntSize = trailer[TrailerOffsetIntSize];
            _refSize = trailer[TrailerObjectRefSize];
            var numObjects = BinaryPrimitives.ReadUInt64BigEndian(trailer[TrailerNumObjects..]);
            var topObject = BinaryPrimitives.ReadUInt64BigEndian(trailer[TrailerTopObject..]);
            var tableOffset = BinaryPrimitives.ReadUInt64BigEndian(trailer[TrailerOffsetTableOffset..]);

            if (_offsetIntSize is < 1 or > 8)
            {
                PlistThrow.Binary(PlistErrorReason.InvalidTrailer, trailerStart + TrailerOffsetIntSize, $"offset size {_offsetIntSize} is not 1-8");
            }

            if (_refSize is < 1 or > 8)
            {
                PlistThrow.Binary(PlistErrorReason.InvalidTrailer, trailerStart + TrailerObjectRefSize, $"object reference size {_refSize} is not 1-8");
            }

            if (numObjects == 0)
            {
                PlistThrow.Binary(PlistErrorReason.InvalidTrailer, trailerStart + TrailerNumObjects, "object count is zero");
            }

            if (numObjects > (ulong)_options.MaxObjects)
            {
                PlistThrow.Binary(PlistErrorReason.ObjectLimitExceeded, trailerStart + TrailerNumObjects, $"object count {numObjects} exceeds the limit of {_options.MaxObjects}");
            }

            if (topObject >= numObjects)
            {
                PlistThrow.Binary(PlistErrorReason.ObjectReferenceOutOfBounds, trailerStart + TrailerTopObject, $"top object {topObject} is not below the object count {numObjects}");
            }

            // The table must start after the header and at least one object, and end at or before the trailer.
            // numObjects <= MaxObjects (an int) and offsetIntSize <= 8, so the product cannot overflow a ulong.
            var tableLength = numObjects * (ulong)_offsetIntSize;
            if (tableOffset < HeaderLength + 1 || tableOffset > (ulong)trailerStart || tableLength > (ulong)trailerStart - tableOffset)
            {
                PlistThrow.Binary(PlistErrorReason.OffsetTableOutOfBounds, trailerStart + TrailerOffsetTableOffset, $"offset table [{tableOffset}, +{tableLength}) does not fit between the header and the trailer at {trailerStart}");
            }

            _numObjects = (int)numObjects;
            _topObject = (int)topObject;
            _offsetTableOffset = (int)tableOffset;
            _decoded = new PlistValue?[_numObjects];
            _onPath = new bool[_numObjects];
        }

        private readonly int GetObjectOffset(int objRef)
        {
            var entryOffset = _offsetTableOffset + (objRef * _offsetIntSize);
            var offset = ReadSizedUInt(entryOffset, _offsetIntSize);
            if (offset < HeaderLength || offset >= (ulong)_offsetTableOffset)
            {
                PlistThrow.Binary(PlistErrorReason.ObjectOffsetOutOfBounds, entryOffset, $"object {objRef} has offset {offset}, outside the object area [{HeaderLength}, {_offsetTableOffset})");
            }

            return (int)offset;
        }

        /// <summary>Reads a big-endian unsigned integer of 1-8 bytes that the caller has bounds-checked.</summary>
        private readonly ulong ReadSizedUInt(int offset, int size)
        {
            ulong value = 0;
            foreach (var b in _data.Slice(offset, size))
            {
                value = (value << 8) | b;
            }

            return value;
        }

        private PlistValue ReadObject(int objRef, int depth)
        {
            if (_decoded[objRef] is { } done)
            {
                return done;
            }

            var offset = GetObjectOffset(objRef);
            if (_onPath[objRef])
            {
                PlistThrow.Binary(PlistErrorReason.ReferenceCycle, offset, $"object {objRef} contains itself");
            }

            var marker = _data[offset];
            var type = marker >> 4;
            var info = marker & 0xF;
            PlistValue value;
            switch (type)
            {
                case TypeSimple:
                    value = marker switch
                    {
                        MarkerFalse => PlistBoolean.False,
                        MarkerTrue => PlistBoolean.True,
                        MarkerNull or MarkerFill => PlistThrow.Binary<PlistValue>(PlistErrorReason.UnsupportedObject, offset, $"marker 0x{marker:X2} (null/fill) is not a property-list value"),
                        _ => PlistThrow.Binary<PlistValue>(PlistErrorReason.UnknownObjectMarker, offset, $"marker 0x{marker:X2} (URL/UUID are bplist1x only)"),
                    };
                    break;
                case TypeInteger:
                    value = ReadInteger(offset, out _);
                    break;
                case TypeReal:
                    value = ReadReal(offset, info);
                    break;
                case TypeDate:
                    value = ReadDate(offset, marker);
                    break;
                case TypeData:
                    {
                        var (start, count) = ReadCount(offset, info, 1);
                        value = new PlistData(_data.Slice(start, count).ToArray());
                        break;
                    }

                case TypeAsciiString:
                    value = ReadAscii(offset, info);
                    break;
                case TypeUtf16String:
                    value = ReadUtf16(offset, info);
                    break;
                case TypeUid:
                    value = ReadUid(offset, info);
                    break;
                case TypeArray:
                case TypeSet:
                case TypeDictionary:
                    if (depth >= _options.MaxDepth)
                    {
                        PlistThrow.Binary(PlistErrorReason.DepthLimitExceeded, offset, $"containers nest deeper than {_options.MaxDepth}");
                    }

                    _onPath[objRef] = true;
                    value = type == TypeDictionary ? ReadDictionary(offset, info, depth) : ReadArray(offset, info, depth);
                    _onPath[objRef] = false;
                    break;
                default:
                    // 0x7n UTF-8 strings and 0xBn ordered sets are bplist1x only; 0x9n, 0xEn, 0xFn are unused.
                    value = PlistThrow.Binary<PlistValue>(PlistErrorReason.UnknownObjectMarker, offset, $"marker 0x{marker:X2} is not defined in bplist00");
                    break;
            }

            _decoded[objRef] = value;
            return value;
        }

        /// <summary>Bounds check: [start, start+length) lies within the object area.</summary>
        private readonly void Require(int start, long length, int objectOffset)
        {
            if (length < 0 || (ulong)start + (ulong)length > (ulong)_offsetTableOffset)
            {
                PlistThrow.Binary(PlistErrorReason.Truncated, objectOffset, $"object needs {length} bytes at {start}, past the end of the object area at {_offsetTableOffset}");
            }
        }

        private readonly PlistInteger ReadInteger(int offset, out int end)
        {
            var info = _data[offset] & 0xF;
            if (info > 4)
            {
                PlistThrow.Binary(PlistErrorReason.UnknownObjectMarker, offset, $"integer width 2^{info} bytes is not 1, 2, 4, 8 or 16");
            }

            var size = 1 << info;
            var start = offset + 1;
            Require(start, size, offset);
            end = start + size;
            var bytes = _data.Slice(start, size);
            switch (size)
            {
                case 8:
                    // CFBinaryPList.c: 1-, 2- and 4-byte integers are unsigned; 8-byte integers are signed.
                    return new PlistInteger(BinaryPrimitives.ReadInt64BigEndian(bytes));
                case 16:
                    {
                        // A 128-bit two's-complement value; only the 64-bit signed and unsigned range is a plist integer.
                        var high = BinaryPrimitives.ReadInt64BigEndian(bytes);
                        var low = BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
                        var value = new Int128((ulong)high, low);
                        if (value < PlistInteger.MinValue || value > PlistInteger.MaxValue)
                        {
                            PlistThrow.Binary(PlistErrorReason.IntegerOutOfRange, offset, "16-byte integer beyond the 64-bit range");
                        }

                        return new PlistInteger(value);
                    }

                default:
                    return new PlistInteger(ReadSizedUInt(start, size));
            }
        }

        private readonly PlistReal ReadReal(int offset, int info)
        {
            switch (info)
            {
                case 2:
                    Require(offset + 1, 4, offset);
                    return new PlistReal(BinaryPrimitives.ReadSingleBigEndian(_data[(offset + 1)..]));
                case 3:
                    Require(offset + 1, 8, offset);
                    return new PlistReal(BinaryPrimitives.ReadDoubleBigEndian(_data[(offset + 1)..]));
                default:
                    return PlistThrow.Binary<PlistReal>(PlistErrorReason.InvalidReal, offset, $"real width 2^{info} bytes is not 4 or 8");
            }
        }

        private readonly PlistDate ReadDate(int offset, byte marker)
        {
            if (marker != MarkerDate)
            {
                PlistThrow.Binary(PlistErrorReason.UnknownObjectMarker, offset, $"date marker 0x{marker:X2} is not 0x33");
            }

            Require(offset + 1, 8, offset);
            var seconds = BinaryPrimitives.ReadDoubleBigEndian(_data[(offset + 1)..]);
            var ticks = seconds * TimeSpan.TicksPerSecond;
            var epochTicks = (double)Epoch.UtcTicks;
            if (!double.IsFinite(ticks) || ticks < -epochTicks || ticks > DateTimeOffset.MaxValue.UtcTicks - epochTicks)
            {
                PlistThrow.Binary(PlistErrorReason.InvalidDate, offset, $"date {seconds} s from 2001-01-01 is outside years 1-9999");
            }

            // Whole seconds convert exactly; only the fraction is rounded to the nearest tick.
            var whole = Math.Floor(seconds);
            var fractionTicks = (long)Math.Round((seconds - whole) * TimeSpan.TicksPerSecond);
            var utcTicks = Math.Clamp(Epoch.UtcTicks + ((long)whole * TimeSpan.TicksPerSecond) + fractionTicks, 0, DateTimeOffset.MaxValue.UtcTicks);
            return new PlistDate(new DateTimeOffset(utcTicks, TimeSpan.Zero));
        }

        private readonly PlistUid ReadUid(int offset, int info)
        {
            // "nnnn+1 is # of bytes"; Apple writes 1, 2, 4 or 8. More than 8 cannot be a 64-bit UID.
            var size = info + 1;
            if (size > 8)
            {
                PlistThrow.Binary(PlistErrorReason.UnknownObjectMarker, offset, $"UID of {size} bytes is wider than 8");
            }

            Require(offset + 1, size, offset);
            return new PlistUid(ReadSizedUInt(offset + 1, size));
        }

        /// <summary>
        /// Reads the element count of a variable-length object and checks that count * unitSize bytes
        /// follow it inside the object area. Returns where the payload starts.
        /// </summary>
        private readonly (int Start, int Count) ReadCount(int offset, int info, int unitSize)
        {
            long count;
            int start;
            if (info != ExtendedCount)
            {
                count = info;
                start = offset + 1;
            }
            else
            {
                Require(offset + 1, 1, offset);
                var intMarker = _data[offset + 1];
                if (intMarker >> 4 != TypeInteger || (intMarker & 0xF) > 3)
                {
                    PlistThrow.Binary(PlistErrorReason.InvalidLength, offset + 1, $"extended count marker 0x{intMarker:X2} is not a 1-8 byte integer");
                }

                var integer = ReadInteger(offset + 1, out start);
                if (!integer.TryGetInt64(out count) || count < 0)
                {
                    PlistThrow.Binary(PlistErrorReason.InvalidLength, offset + 1, "negative extended count");
                }
            }

            // Unsigned compare catches both overflow and a count larger than the bytes left.
            var remaining = (ulong)(_offsetTableOffset - start);
            if ((ulong)count > remaining / (ulong)unitSize)
            {
                PlistThrow.Binary(PlistErrorReason.InvalidLength, offset, $"count {count} x {unitSize} bytes exceeds the {remaining} bytes left before the offset table");
            }

            return (start, (int)count);
        }

        private readonly PlistString ReadAscii(int offset, int info)
        {
            var (start, count) = ReadCount(offset, info, 1);
            var bytes = _data.Slice(start, count);
            if (!Ascii.IsValid(bytes))
            {
                PlistThrow.Binary(PlistErrorReason.InvalidString, offset, "ASCII string (0x5n) holds a byte above 0x7F");
            }

            return new PlistString(Encoding.ASCII.GetString(bytes));
        }

        private readonly PlistString ReadUtf16(int offset, int info)
        {
            var (start, count) = ReadCount(offset, info, 2);
            try
            {
                return new PlistString(s_strictUtf16BE.GetString(_data.Slice(start, count * 2)));
            }
            catch (DecoderFallbackException ex)
            {
                throw new PlistFormatException(PlistErrorReason.InvalidString, "UTF-16 string holds an unpaired surrogate", offset: offset, inner: ex);
            }
        }

        /// <summary>Reads reference <paramref name="index"/> of a list starting at <paramref name="refsStart"/> (already bounds-checked).</summary>
        private readonly int ReadRef(int refsStart, int index)
        {
            var at = refsStart + (index * _refSize);
            var objRef = ReadSizedUInt(at, _refSize);
            if (objRef >= (ulong)_numObjects)
            {
                PlistThrow.Binary(PlistErrorReason.ObjectReferenceOutOfBounds, at, $"reference {objRef} is not below the object count {_numObjects}");
            }

            return (int)objRef;
        }

        private PlistArray ReadArray(int offset, int info, int depth)
        {
            var (start, count) = ReadCount(offset, info, _refSize);
            var builder = ImmutableArray.CreateBuilder<PlistValue>(count);
            for (var i = 0; i < count; i++)
            {
                builder.Add(ReadObject(ReadRef(start, i), depth + 1));
            }

            return new PlistArray(builder.MoveToImmutable(), trusted: true);
        }

        private PlistDictionary ReadDictionary(int offset, int info, int depth)
        {
            // Keys then values: 2 * count references.
            var (start, count) = ReadCount(offset, info, 2 * _refSize);
            var builder = ImmutableArray.CreateBuilder<KeyValuePair<string, PlistValue>>(count);
            var index = new Dictionary<string, int>(count, StringComparer.Ordinal);
            for (var i = 0; i < count; i++)
            {
                var keyRef = ReadRef(start, i);
                if (ReadObject(keyRef, depth + 1) is not PlistString key)
                {
                    PlistThrow.Binary(PlistErrorReason.InvalidKey, GetObjectOffset(keyRef), $"dictionary key (object {keyRef}) is not a string");
                    return null;
                }

                if (!index.TryAdd(key.Value, i))
                {
                    PlistThrow.Binary(PlistErrorReason.DuplicateKey, offset, $"key '{Truncate(key.Value)}' occurs twice");
                }

                builder.Add(new(key.Value, ReadObject(ReadRef(start, count + i), depth + 1)));
            }

            return new PlistDictionary(builder.MoveToImmutable(), index);
        }
    }

    internal static string Truncate(string s) => s.Length <= 64 ? s : string.Concat(s.AsSpan(0, 64), "...");
}
