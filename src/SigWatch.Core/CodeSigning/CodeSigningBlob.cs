using System.Text;
using SigWatch.Core.Binary;

namespace SigWatch.Core.CodeSigning;

/// <summary>
/// A blob from a code signature: <c>u32 magic; u32 length;</c> then the payload, big-endian (SEC <c>blob.h</c>).
/// <see cref="Bytes"/> is the whole blob including its header. <c>ToString</c> never prints the bytes.
/// </summary>
public abstract class CodeSigningBlob(uint magic, ReadOnlyMemory<byte> bytes, long fileOffset)
{
    public const int HeaderSize = 8;

    public uint Magic { get; } = magic;

    public ReadOnlyMemory<byte> Bytes { get; } = bytes;

    public ReadOnlyMemory<byte> Payload => Bytes[HeaderSize..];

    public long FileOffset { get; } = fileOffset;

    public override string ToString() => $"{GetType().Name}(0x{Magic:x8}, {Bytes.Length} bytes)";

    /// <summary>Picks the blob type from the magic. Unknown magics become <see cref="UnknownBlob"/>, never an error.</summary>
    public static CodeSigningBlob Create(ReadOnlyMemory<byte> bytes, long fileOffset)
    {
        var reader = new SpanReader(bytes.Span, bigEndian: true, "blob", fileOffset);
        var magic = reader.ReadUInt32();
        var length = reader.ReadUInt32();
        if (length < HeaderSize || length > (uint)bytes.Length)
        {
            ThrowHelper.Malformed(length < HeaderSize ? MalformedDataReason.LengthTooSmall : MalformedDataReason.BlobLengthExceedsContainer,
                fileOffset + 4, "blob", $"length {length}, {bytes.Length} bytes available");
        }

        var exact = bytes[..(int)length];
        return magic switch
        {
            CodeSigningMagic.CodeDirectory => new CodeDirectoryBlob(exact, fileOffset),
            CodeSigningMagic.Requirements => new RequirementsBlob(exact, fileOffset),
            CodeSigningMagic.Entitlements => new EntitlementsBlob(exact, fileOffset),
            CodeSigningMagic.EntitlementsDer => new DerEntitlementsBlob(exact, fileOffset),
            CodeSigningMagic.LaunchConstraint => new LaunchConstraintBlob(exact, fileOffset),
            CodeSigningMagic.BlobWrapper => new BlobWrapper(exact, fileOffset),
            _ => new UnknownBlob(magic, exact, fileOffset),
        };
    }
}

/// <summary>A CodeDirectory blob; <see cref="Parse"/> reads it (and may throw <see cref="MalformedDataException"/>).</summary>
public sealed class CodeDirectoryBlob(ReadOnlyMemory<byte> bytes, long fileOffset)
    : CodeSigningBlob(CodeSigningMagic.CodeDirectory, bytes, fileOffset)
{
    public CodeDirectory Parse() => CodeDirectory.Parse(Bytes, FileOffset);
}

/// <summary>
/// The internal requirements set (<c>0xFADE0C01</c>), kept raw: the requirement-language module decodes it
/// (SigWatch.Core.CodeSigning.Requirements).
/// </summary>
public sealed class RequirementsBlob(ReadOnlyMemory<byte> bytes, long fileOffset)
    : CodeSigningBlob(CodeSigningMagic.Requirements, bytes, fileOffset);

/// <summary>XML entitlements (<c>0xFADE7171</c>): the payload is a UTF-8 XML property list.</summary>
public sealed class EntitlementsBlob(ReadOnlyMemory<byte> bytes, long fileOffset)
    : CodeSigningBlob(CodeSigningMagic.Entitlements, bytes, fileOffset)
{
    /// <summary>The XML text as signed (not re-serialised).</summary>
    public string Xml => Encoding.UTF8.GetString(Payload.Span);
}

/// <summary>DER entitlements (<c>0xFADE7172</c>, CoreEntitlements format), kept raw.</summary>
public sealed class DerEntitlementsBlob(ReadOnlyMemory<byte> bytes, long fileOffset)
    : CodeSigningBlob(CodeSigningMagic.EntitlementsDer, bytes, fileOffset);

/// <summary>A launch or library constraint (<c>0xFADE8181</c>, LWCR DER), kept raw.</summary>
public sealed class LaunchConstraintBlob(ReadOnlyMemory<byte> bytes, long fileOffset)
    : CodeSigningBlob(CodeSigningMagic.LaunchConstraint, bytes, fileOffset);

/// <summary>A BlobWrapper (<c>0xFADE0B01</c>): raw bytes such as the CMS signature (empty payload for ad-hoc).</summary>
public sealed class BlobWrapper(ReadOnlyMemory<byte> bytes, long fileOffset)
    : CodeSigningBlob(CodeSigningMagic.BlobWrapper, bytes, fileOffset);

/// <summary>A blob whose magic this reader does not know; kept so newer formats show up as "unknown", not as errors.</summary>
public sealed class UnknownBlob(uint magic, ReadOnlyMemory<byte> bytes, long fileOffset)
    : CodeSigningBlob(magic, bytes, fileOffset);
