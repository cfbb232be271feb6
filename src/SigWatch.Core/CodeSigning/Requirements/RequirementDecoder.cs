using System.Buffers.Binary;

namespace SigWatch.Core.CodeSigning.Requirements;

/// <summary>
/// Decodes requirement blobs and requirements sets (Security requirement.h, reqreader.cpp, superblob.h).
/// Every length, count and offset is checked against its container before it is used.
/// </summary>
internal static class RequirementDecoder
{
    public const uint RequirementMagic = 0xFADE0C00;
    public const uint RequirementSetMagic = 0xFADE0C01;

    /// <summary>magic + length + kind.</summary>
    public const int RequirementHeaderSize = 12;

    /// <summary>magic + length + count.</summary>
    public const int SetHeaderSize = 12;

    /// <summary>type + offset.</summary>
    public const int SetIndexEntrySize = 8;

    /// <summary>
    /// Apple's interpreter gives up when expressions nest deeper than this (reqinterp.h <c>stackLimit</c> = 1000,
    /// with the first level already counted), so nothing deeper is a requirement Apple could evaluate.
    /// </summary>
    public const int MaxDepth = 999;

    public static Requirement DecodeRequirement(ReadOnlySpan<byte> blob, int baseOffset = 0)
    {
        if (blob.Length < RequirementHeaderSize)
        {
            RequirementReader.Throw(RequirementFormatError.Truncated, baseOffset, $"requirement header needs {RequirementHeaderSize} bytes, {blob.Length} available");
        }

        var magic = BinaryPrimitives.ReadUInt32BigEndian(blob);
        if (magic != RequirementMagic)
        {
            RequirementReader.Throw(RequirementFormatError.BadMagic, baseOffset, $"expected 0x{RequirementMagic:X8}, found 0x{magic:X8}");
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(blob[4..]);
        if (length < RequirementHeaderSize || length > (uint)blob.Length)
        {
            RequirementReader.Throw(RequirementFormatError.BadLength, baseOffset + 4, $"requirement length {length} outside [{RequirementHeaderSize}, {blob.Length}]");
        }

        var exact = blob[..(int)length];
        var kind = BinaryPrimitives.ReadUInt32BigEndian(exact[8..]);
        var payload = exact[RequirementHeaderSize..];
        if (kind != (uint)RequirementKind.Expression)
        {
            // lwcrForm and anything newer: keep the bytes, report the form as unsupported rather than failing.
            return new Requirement(kind, expression: null, payload.ToArray(), trailing: 0);
        }

        var reader = new RequirementReader(payload, baseOffset + RequirementHeaderSize);
        var expression = ReadExpression(ref reader, 1);
        return new Requirement(kind, expression, payload.ToArray(), trailing: reader.Remaining);
    }

    public static RequirementSet DecodeSet(ReadOnlySpan<byte> blob)
    {
        if (blob.Length < SetHeaderSize)
        {
            RequirementReader.Throw(RequirementFormatError.Truncated, 0, $"requirements set header needs {SetHeaderSize} bytes, {blob.Length} available");
        }

        var magic = BinaryPrimitives.ReadUInt32BigEndian(blob);
        if (magic != RequirementSetMagic)
        {
            RequirementReader.Throw(RequirementFormatError.BadMagic, 0, $"expected 0x{RequirementSetMagic:X8}, found 0x{magic:X8}");
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(blob[4..]);
        if (length < SetHeaderSize || length > (uint)blob.Length)
        {
            RequirementReader.Throw(RequirementFormatError.BadLength, 4, $"requirements set length {length} outside [{SetHeaderSize}, {blob.Length}]");
        }

        var set = blob[..(int)length];
        var count = BinaryPrimitives.ReadUInt32BigEndian(set[8..]);
        if (count > (uint)(set.Length - SetHeaderSize) / SetIndexEntrySize)
        {
            RequirementReader.Throw(RequirementFormatError.CountExceedsLength, 8, $"{count} index entries cannot fit in {set.Length} bytes");
        }

        // Offsets are validated as superblob.h validateBlob does: past the index, and the whole blob inside the set.
        var indexEnd = SetHeaderSize + (int)count * SetIndexEntrySize;
        var entries = new List<RequirementSetEntry>((int)count);
        for (var i = 0; i < (int)count; i++)
        {
            var at = SetHeaderSize + i * SetIndexEntrySize;
            var type = BinaryPrimitives.ReadUInt32BigEndian(set[at..]);
            var offset = BinaryPrimitives.ReadUInt32BigEndian(set[(at + 4)..]);
            if (offset < (uint)indexEnd || (ulong)offset + 8 > (ulong)set.Length)
            {
                RequirementReader.Throw(RequirementFormatError.OffsetOutOfRange, at + 4, $"entry {i} offset {offset} outside [{indexEnd}, {set.Length - 8}]");
            }

            var subLength = BinaryPrimitives.ReadUInt32BigEndian(set[((int)offset + 4)..]);
            if ((ulong)offset + subLength > (ulong)set.Length)
            {
                RequirementReader.Throw(RequirementFormatError.OffsetOutOfRange, (int)offset + 4, $"entry {i} blob of {subLength} bytes at {offset} runs past the set end {set.Length}");
            }

            var requirement = DecodeRequirement(set.Slice((int)offset, (int)subLength), (int)offset);
            entries.Add(new RequirementSetEntry(type, requirement));
        }

        return new RequirementSet(entries);
    }

    private static RequirementExpression ReadExpression(ref RequirementReader reader, int depth)
    {
        var at = reader.Offset;
        if (depth > MaxDepth)
        {
            RequirementReader.Throw(RequirementFormatError.NestingTooDeep, at, $"expressions nest deeper than {MaxDepth}");
        }

        var raw = reader.ReadUInt32();

        // reqinterp.cpp switches on (op & ~opFlagMask): a known opcode with flag bits set is still that opcode.
        var op = (RequirementOpcode)(raw & ~(uint)RequirementOpcodeFlags.Mask);
        switch (op)
        {
            case RequirementOpcode.False:
                return new ConstantExpression(false);
            case RequirementOpcode.True:
                return new ConstantExpression(true);
            case RequirementOpcode.Ident:
                return new IdentifierExpression(new RequirementData(reader.ReadData()));
            case RequirementOpcode.AppleAnchor:
                return new AppleAnchorExpression();
            case RequirementOpcode.AppleGenericAnchor:
                return new AppleGenericAnchorExpression();
            case RequirementOpcode.AnchorHash:
            {
                var slot = reader.ReadInt32();
                var hashAt = reader.Offset;
                var hash = reader.ReadData();
                if (hash.Length != 20)
                {
                    RequirementReader.Throw(RequirementFormatError.BadHashLength, hashAt, $"certificate hash is {hash.Length} bytes, SHA-1 needs 20");
                }

                return new CertificateHashExpression(slot, new RequirementData(hash));
            }

            case RequirementOpcode.InfoKeyValue:
            {
                var key = new RequirementData(reader.ReadData());
                return new LegacyInfoExpression(key, new RequirementData(reader.ReadData()));
            }

            case RequirementOpcode.And:
            {
                var left = ReadExpression(ref reader, depth + 1);
                return new AndExpression(left, ReadExpression(ref reader, depth + 1));
            }

            case RequirementOpcode.Or:
            {
                var left = ReadExpression(ref reader, depth + 1);
                return new OrExpression(left, ReadExpression(ref reader, depth + 1));
            }

            case RequirementOpcode.CDHash:
                return new CdHashExpression(new RequirementData(reader.ReadData()));
            case RequirementOpcode.Not:
                return new NotExpression(ReadExpression(ref reader, depth + 1));
            case RequirementOpcode.InfoKeyField:
            {
                var key = new RequirementData(reader.ReadData());
                return new InfoExpression(key, ReadMatch(ref reader));
            }

            case RequirementOpcode.EntitlementField:
            {
                var key = new RequirementData(reader.ReadData());
                return new EntitlementExpression(key, ReadMatch(ref reader));
            }

            case RequirementOpcode.CertField:
                return ReadCertificateField(ref reader, CertificateFieldKind.Subject);
            case RequirementOpcode.CertGeneric:
                return ReadCertificateField(ref reader, CertificateFieldKind.Extension);
            case RequirementOpcode.CertPolicy:
                return ReadCertificateField(ref reader, CertificateFieldKind.Policy);
            case RequirementOpcode.CertFieldDate:
                return ReadCertificateField(ref reader, CertificateFieldKind.Date);
            case RequirementOpcode.TrustedCert:
                return new TrustedCertificateExpression(reader.ReadInt32());
            case RequirementOpcode.TrustedCerts:
                return new TrustedCertificatesExpression();
            case RequirementOpcode.NamedAnchor:
                return new NamedAnchorExpression(new RequirementData(reader.ReadData()));
            case RequirementOpcode.NamedCode:
                return new NamedCodeExpression(new RequirementData(reader.ReadData()));
            case RequirementOpcode.Platform:
                return new PlatformExpression(reader.ReadInt32());
            case RequirementOpcode.Notarized:
                return new NotarizedExpression();
            case RequirementOpcode.LegacyDevId:
                return new LegacyDeveloperIdExpression();
        }

        if ((raw & (uint)(RequirementOpcodeFlags.GenericFalse | RequirementOpcodeFlags.GenericSkip)) == 0)
        {
            RequirementReader.Throw(RequirementFormatError.UnknownOpcode, at, $"opcode 0x{raw:X8} is unknown and has no generic flag");
        }

        // reqinterp.cpp: "unknown opcode, but it has a size field and can be safely bypassed".
        var payload = new RequirementData(ReadSized(ref reader));
        var next = (raw & (uint)RequirementOpcodeFlags.GenericFalse) != 0 ? null : ReadExpression(ref reader, depth + 1);
        return new UnknownOperationExpression(raw, payload, next);
    }

    private static ReadOnlySpan<byte> ReadSized(ref RequirementReader reader)
    {
        // The generic size is a raw skip count (reqreader.cpp skip): no padding is implied.
        var at = reader.Offset;
        var size = reader.ReadUInt32();
        if (size > (uint)reader.Remaining)
        {
            RequirementReader.Throw(RequirementFormatError.Truncated, at, $"unknown opcode payload of {size} bytes exceeds the {reader.Remaining} left");
        }

        return reader.ReadRaw((int)size);
    }

    private static CertificateFieldExpression ReadCertificateField(ref RequirementReader reader, CertificateFieldKind kind)
    {
        var slot = reader.ReadInt32();
        var key = new RequirementData(reader.ReadData());
        return new CertificateFieldExpression(kind, slot, key, ReadMatch(ref reader));
    }

    private static RequirementMatch ReadMatch(ref RequirementReader reader)
    {
        var op = (MatchOperation)reader.ReadUInt32();
        if (op is MatchOperation.Exists or MatchOperation.Absent)
        {
            return new RequirementMatch(op);
        }

        if (RequirementMatch.IsDateOperation(op))
        {
            return new RequirementMatch(op, Timestamp: reader.ReadInt64());
        }

        // Value operations, and (reqinterp.cpp Match ctor) unknown operations "assumed to have a single data argument".
        return new RequirementMatch(op, new RequirementData(reader.ReadData()));
    }
}
