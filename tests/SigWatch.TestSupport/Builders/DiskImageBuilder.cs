using System.Buffers.Binary;
using SigWatch.Core.CodeSigning;
using SigWatch.Core.DiskImages;

namespace SigWatch.TestSupport.Builders;

/// <summary>
/// Signed UDIF images as codesign leaves them (reference/code-signature-format.md §4, §9; SEC DiskImageRep): the image's
/// bytes, then the embedded signature, then the 512-byte "koly" trailer whose signature offset and length name it. The CodeDirectory is one slot over every byte
/// before the signature (page size 0) and special slot 6 (RepSpecific) hashes the trailer with its signature length
/// zeroed. Ad hoc: no CMS, as `codesign -s - image.dmg` makes it.
/// </summary>
public static class DiskImageBuilder
{
    public static byte[] AdHoc(byte[] data, string identifier = "Test")
    {
        var trailer = Trailer(data.Length, signatureLength: 0);
        var directory = new CodeDirectoryBuilder { Identifier = identifier, PageSizeLog2 = 0 }
            .WithSpecialSlot(CodeSigningSlot.RepSpecific, UdifTrailer.Parse(trailer, data.Length).AsSigned());
        var signature = new SuperBlobBuilder()
            .Add(CodeSigningSlot.CodeDirectory, directory.Build(data))
            .Add(CodeSigningSlot.Requirements, SuperBlobBuilder.EmptyRequirements())
            .Add(CodeSigningSlot.Signature, SuperBlobBuilder.Wrapper([]))
            .Build();
        return [.. data, .. signature, .. Trailer(data.Length, signature.Length)];
    }

    /// <summary>A version-4 trailer naming the signature; every other field zero (no data fork or XML tables to list).</summary>
    public static byte[] Trailer(long signatureOffset, long signatureLength)
    {
        var trailer = new byte[UdifTrailer.Size];
        BinaryPrimitives.WriteUInt32BigEndian(trailer, UdifTrailer.Magic);
        BinaryPrimitives.WriteUInt32BigEndian(trailer.AsSpan(4), 4);
        BinaryPrimitives.WriteUInt32BigEndian(trailer.AsSpan(8), UdifTrailer.Size);
        BinaryPrimitives.WriteUInt64BigEndian(trailer.AsSpan(UdifTrailer.SignatureOffsetField), (ulong)signatureOffset);
        BinaryPrimitives.WriteUInt64BigEndian(trailer.AsSpan(UdifTrailer.SignatureLengthField), (ulong)signatureLength);
        return trailer;
    }
}
