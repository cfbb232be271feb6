using System.Buffers.Binary;

namespace SigWatch.Core.CodeSigning.Requirements;

/// <summary>
/// Encodes requirement trees into Apple's binary form exactly as reqmaker.cpp does: prefix-order opcodes, big-endian
/// u32/i32/i64 operands, data as u32 length + bytes + zero padding to 4; a requirement blob is magic, length, kind
/// and the program; a requirements set is a SuperBlob with its index sorted by type (superblob.h Maker uses a std::map).
/// </summary>
public static class RequirementEncoder
{
    /// <summary>The complete requirement blob (0xFADE0C00, kind 1) for an expression.</summary>
    public static byte[] Encode(RequirementExpression expression) =>
        EncodeBlob((uint)RequirementKind.Expression, EncodeProgram(expression));

    /// <summary>A requirements set blob (0xFADE0C01) with the entries in the given order.</summary>
    public static byte[] EncodeSet(RequirementSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        var blobs = set.Entries.Select(e => e.Requirement.ToBlob()).ToArray();
        var headerSize = RequirementDecoder.SetHeaderSize + (set.Entries.Count * RequirementDecoder.SetIndexEntrySize);
        var total = headerSize + blobs.Sum(b => b.Length);
        var output = new byte[total];
        BinaryPrimitives.WriteUInt32BigEndian(output, RequirementDecoder.RequirementSetMagic);
        BinaryPrimitives.WriteUInt32BigEndian(output.AsSpan(4), (uint)total);
        BinaryPrimitives.WriteUInt32BigEndian(output.AsSpan(8), (uint)set.Entries.Count);
        var offset = headerSize;
        for (var i = 0; i < blobs.Length; i++)
        {
            var at = RequirementDecoder.SetHeaderSize + (i * RequirementDecoder.SetIndexEntrySize);
            BinaryPrimitives.WriteUInt32BigEndian(output.AsSpan(at), set.Entries[i].Type);
            BinaryPrimitives.WriteUInt32BigEndian(output.AsSpan(at + 4), (uint)offset);
            blobs[i].CopyTo(output, offset);
            offset += blobs[i].Length;
        }

        return output;
    }

    internal static byte[] EncodeBlob(uint kind, ReadOnlySpan<byte> payload)
    {
        var output = new byte[RequirementDecoder.RequirementHeaderSize + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(output, RequirementDecoder.RequirementMagic);
        BinaryPrimitives.WriteUInt32BigEndian(output.AsSpan(4), (uint)output.Length);
        BinaryPrimitives.WriteUInt32BigEndian(output.AsSpan(8), kind);
        payload.CopyTo(output.AsSpan(RequirementDecoder.RequirementHeaderSize));
        return output;
    }

    internal static byte[] EncodeProgram(RequirementExpression expression)
    {
        ArgumentNullException.ThrowIfNull(expression);
        var writer = new ProgramWriter();
        writer.Expr(expression);
        return writer.ToArray();
    }

    private sealed class ProgramWriter
    {
        private readonly List<byte> _bytes = new(64);

        public byte[] ToArray() => _bytes.ToArray();

        public void Expr(RequirementExpression expression)
        {
            switch (expression)
            {
                case ConstantExpression c:
                    Op(c.Value ? RequirementOpcode.True : RequirementOpcode.False);
                    break;
                case AndExpression and:
                    Op(RequirementOpcode.And);
                    Expr(and.Left);
                    Expr(and.Right);
                    break;
                case OrExpression or:
                    Op(RequirementOpcode.Or);
                    Expr(or.Left);
                    Expr(or.Right);
                    break;
                case NotExpression not:
                    Op(RequirementOpcode.Not);
                    Expr(not.Operand);
                    break;
                case IdentifierExpression id:
                    Op(RequirementOpcode.Ident);
                    Data(id.Identifier.Span);
                    break;
                case AppleAnchorExpression:
                    Op(RequirementOpcode.AppleAnchor);
                    break;
                case AppleGenericAnchorExpression:
                    Op(RequirementOpcode.AppleGenericAnchor);
                    break;
                case NamedAnchorExpression named:
                    Op(RequirementOpcode.NamedAnchor);
                    Data(named.Name.Span);
                    break;
                case NamedCodeExpression code:
                    Op(RequirementOpcode.NamedCode);
                    Data(code.Name.Span);
                    break;
                case CertificateHashExpression hash:
                    Op(RequirementOpcode.AnchorHash);
                    UInt32(unchecked((uint)hash.Slot));
                    Data(hash.Hash.Span);
                    break;
                case TrustedCertificatesExpression:
                    Op(RequirementOpcode.TrustedCerts);
                    break;
                case TrustedCertificateExpression trusted:
                    Op(RequirementOpcode.TrustedCert);
                    UInt32(unchecked((uint)trusted.Slot));
                    break;
                case CdHashExpression cdhash:
                    Op(RequirementOpcode.CDHash);
                    Data(cdhash.Hash.Span);
                    break;
                case PlatformExpression platform:
                    Op(RequirementOpcode.Platform);
                    UInt32(unchecked((uint)platform.Platform));
                    break;
                case NotarizedExpression:
                    Op(RequirementOpcode.Notarized);
                    break;
                case LegacyDeveloperIdExpression:
                    Op(RequirementOpcode.LegacyDevId);
                    break;
                case LegacyInfoExpression legacy:
                    Op(RequirementOpcode.InfoKeyValue);
                    Data(legacy.Key.Span);
                    Data(legacy.Value.Span);
                    break;
                case InfoExpression info:
                    Op(RequirementOpcode.InfoKeyField);
                    Data(info.Key.Span);
                    Match(info.Match);
                    break;
                case EntitlementExpression entitlement:
                    Op(RequirementOpcode.EntitlementField);
                    Data(entitlement.Key.Span);
                    Match(entitlement.Match);
                    break;
                case CertificateFieldExpression field:
                    Op(field.Kind switch
                    {
                        CertificateFieldKind.Subject => RequirementOpcode.CertField,
                        CertificateFieldKind.Extension => RequirementOpcode.CertGeneric,
                        CertificateFieldKind.Policy => RequirementOpcode.CertPolicy,
                        _ => RequirementOpcode.CertFieldDate,
                    });
                    UInt32(unchecked((uint)field.Slot));
                    Data(field.Key.Span);
                    Match(field.Match);
                    break;
                case UnknownOperationExpression unknown:
                    UInt32(unknown.Opcode);
                    UInt32((uint)unknown.Payload.Length);
                    _bytes.AddRange(unknown.Payload.Span);
                    if (unknown.IsSkip && unknown.Next is not null)
                    {
                        Expr(unknown.Next);
                    }

                    break;
                default:
                    throw new ArgumentException($"unsupported expression node {expression.GetType().Name}", nameof(expression));
            }
        }

        private void Match(RequirementMatch match)
        {
            UInt32((uint)match.Operation);
            if (match.Operation is MatchOperation.Exists or MatchOperation.Absent)
            {
                return;
            }

            if (RequirementMatch.IsDateOperation(match.Operation))
            {
                Span<byte> buffer = stackalloc byte[8];
                BinaryPrimitives.WriteInt64BigEndian(buffer, match.Timestamp ?? 0);
                _bytes.AddRange(buffer);
                return;
            }

            Data((match.Value ?? RequirementData.Empty).Span);
        }

        private void Op(RequirementOpcode op) => UInt32((uint)op);

        private void UInt32(uint value)
        {
            Span<byte> buffer = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(buffer, value);
            _bytes.AddRange(buffer);
        }

        // reqmaker.cpp putData: length, bytes, then zero fill up to the 4-byte alignment.
        private void Data(ReadOnlySpan<byte> data)
        {
            UInt32((uint)data.Length);
            _bytes.AddRange(data);
            for (var pad = (4 - (data.Length % 4)) % 4; pad > 0; pad--)
            {
                _bytes.Add(0);
            }
        }
    }
}
