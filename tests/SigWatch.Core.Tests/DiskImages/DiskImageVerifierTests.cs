using System.Buffers.Binary;
using SigWatch.Core.CodeSigning;
using SigWatch.Core.DiskImages;
using SigWatch.Core.Verification;
using SigWatch.TestSupport;
using SigWatch.TestSupport.Builders;

namespace SigWatch.Core.Tests.DiskImages;

/// <summary>
/// The real ad-hoc-signed Sparkle test image (../shared/fixtures/real MANIFEST: koly v4, signature at 803328, 409
/// bytes; CD v0x20100, one code slot, cdhash ac64107c…) and its mutations: a data byte, a trailer byte, the signature,
/// the signature stripped; and trailers that point where no signature can be.
/// </summary>
public sealed class DiskImageVerifierTests : IDisposable
{
    private const string CdHash = "ac64107c8837ae544f5ab7ede956b13bed0de411";
    private const long SignatureOffset = 803328;
    private const int SignatureLength = 409;
    private readonly TempDirectory _dir = new();

    private static string Fixture => Path.Combine(RepoPaths.RealFixtures, "sparkle-adhoc-signed-dmg", "SparkleTestCodeSign_apfs_lzma_aux_files.dmg");

    private string Copy(Action<byte[]>? mutate = null)
    {
        var bytes = File.ReadAllBytes(Fixture);
        mutate?.Invoke(bytes);
        var path = _dir.Combine($"image-{Guid.NewGuid():N}.dmg");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static DiskImageReport Verify(string path) => new DiskImageVerifier().Verify(path);

    private static int Trailer(byte[] bytes) => bytes.Length - UdifTrailer.Size;

    [RealFixturesFact]
    public void Verify_RealAdHocImage_IsValidAdHocWithTheManifestsCdHash()
    {
        var image = Verify(Copy());

        Assert.Equal(SignatureVerdict.Valid, image.Report.Verdict);
        Assert.Equal(DiskImageVerifier.Kind, image.Report.Kind);
        Assert.Equal(SignatureClassification.AdHoc, image.Report.Classification);
        var arch = Assert.Single(image.Report.Architectures);
        Assert.Equal(CdHash, arch.Best!.CdHashHex);
        Assert.Equal(0x20100u, arch.Best.Version);
        Assert.Equal("SparkleTestCodeSign_apfs_lzma_aux_files-377068f48152a21a1d1792eb39741dcc34df3c2a", arch.Best.Identifier);
        Assert.Equal(1, arch.CodeDirectories[0].PagesMatched);
        Assert.Contains(arch.CodeDirectories[0].SpecialSlots, s => s.Slot == CodeSigningSlot.RepSpecific && s.Status == SpecialSlotStatus.Valid);
        Assert.Contains(arch.CodeDirectories[0].SpecialSlots, s => s.Slot == CodeSigningSlot.Requirements && s.Status == SpecialSlotStatus.Valid);
        Assert.Equal(4u, image.Trailer!.Version);
        Assert.Equal((ulong)SignatureOffset, image.Trailer.SignatureOffset);
        Assert.Equal((ulong)SignatureLength, image.Trailer.SignatureLength);
        Assert.Null(image.Ticket);
        Assert.DoesNotContain(image.Report.Findings, f => f.Severity == FindingSeverity.Error);
    }

    [Fact]
    public void Verify_ImageBuiltAdHocHere_IsValid_BothItsBytesAndItsTrailerMatched()
    {
        // The builder the fuzzing seeds use: without the fixtures, a signed image the verifier accepts.
        var data = new byte[10_000];
        new Random(7).NextBytes(data);

        var image = new DiskImageVerifier().Verify("built.dmg", DiskImageBuilder.AdHoc(data));

        Assert.Equal(SignatureVerdict.Valid, image.Report.Verdict);
        Assert.Equal(SignatureClassification.AdHoc, image.Report.Classification);
        var directory = Assert.Single(Assert.Single(image.Report.Architectures).CodeDirectories);
        Assert.Equal(1, directory.PagesMatched);
        Assert.Contains(directory.SpecialSlots, s => s.Slot == CodeSigningSlot.RepSpecific && s.Status == SpecialSlotStatus.Valid);
        Assert.Equal((ulong)data.Length, image.Trailer!.SignatureOffset);
    }

    [Fact]
    public void Verify_ImageBuiltAdHocHereWithItsLastDataByteChanged_IsInvalid()
    {
        var bytes = DiskImageBuilder.AdHoc(new byte[10_000]);
        bytes[9_999] ^= 0x80;

        var image = new DiskImageVerifier().Verify("built.dmg", bytes);

        Assert.Equal(FindingKind.PageHashMismatch, Assert.Single(image.Report.Findings, f => f.Severity == FindingSeverity.Error).Kind);
    }

    [RealFixturesFact]
    public void Verify_OneDataByteChanged_IsInvalidBecauseTheImageWasModified()
    {
        var image = Verify(Copy(b => b[4096] ^= 0x01));

        Assert.Equal(SignatureVerdict.Invalid, image.Report.Verdict);
        var finding = Assert.Single(image.Report.Findings, f => f.Severity == FindingSeverity.Error);
        Assert.Equal(FindingKind.PageHashMismatch, finding.Kind);
        Assert.Contains("modified after signing", finding.Detail, StringComparison.Ordinal);
    }

    [RealFixturesFact]
    public void Verify_TrailerByteChanged_IsInvalidOnTheRepSpecificSlot()
    {
        // A byte of the data fork checksum in the koly trailer: the trailer is bound by slot -6, not by the code slot.
        var image = Verify(Copy(b => b[Trailer(b) + 100] ^= 0x01));

        Assert.Equal(SignatureVerdict.Invalid, image.Report.Verdict);
        var finding = Assert.Single(image.Report.Findings, f => f.Severity == FindingSeverity.Error);
        Assert.Equal(FindingKind.SpecialSlotMismatch, finding.Kind);
        Assert.Equal(CodeSigningSlot.RepSpecific, finding.Slot);
    }

    [RealFixturesFact]
    public void Verify_RequirementsBlobInTheSignatureChanged_IsInvalidOnTheRequirementsSlot()
    {
        // Requirements(0xfade0c01, 12 bytes) follows the 353-byte CodeDirectory after a 3-entry index: its count is its last u32.
        var requirements = SignatureOffset + 12 + (3 * 8) + 353;
        var image = Verify(Copy(b => BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan((int)requirements + 8), 1)));

        Assert.Equal(SignatureVerdict.Invalid, image.Report.Verdict);
        Assert.Contains(image.Report.Findings, f => f is { Kind: FindingKind.SpecialSlotMismatch, Slot: CodeSigningSlot.Requirements });
    }

    [RealFixturesFact]
    public void Verify_SignatureFieldsZeroed_IsUnsigned()
    {
        var image = Verify(Copy(b =>
        {
            b.AsSpan(Trailer(b) + UdifTrailer.SignatureOffsetField, 16).Clear();
        }));

        Assert.Equal(SignatureVerdict.Unsigned, image.Report.Verdict);
        Assert.Equal(FindingKind.NotSigned, Assert.Single(image.Report.Findings).Kind);
    }

    [RealFixturesFact]
    public void Verify_SignatureStrippedAndFieldsZeroed_IsUnsigned()
    {
        var original = File.ReadAllBytes(Fixture);
        var trailer = original.AsSpan(Trailer(original)).ToArray();
        trailer.AsSpan(UdifTrailer.SignatureOffsetField, 16).Clear();
        var path = _dir.Combine("stripped.dmg");
        File.WriteAllBytes(path, [.. original.AsSpan(0, (int)SignatureOffset), .. trailer]);

        var image = Verify(path);

        Assert.Equal(SignatureVerdict.Unsigned, image.Report.Verdict);
    }

    [RealFixturesFact]
    public void Verify_SignatureOffsetPastTheTrailer_IsMalformedWithoutReadingIt()
    {
        var image = Verify(Copy(b => BinaryPrimitives.WriteUInt64BigEndian(b.AsSpan(Trailer(b) + UdifTrailer.SignatureOffsetField), (ulong)b.Length)));

        Assert.Equal(SignatureVerdict.Invalid, image.Report.Verdict);
        var finding = Assert.Single(image.Report.Findings);
        Assert.Equal(FindingKind.MalformedDiskImage, finding.Kind);
        Assert.Contains("not inside the image before the trailer", finding.Detail, StringComparison.Ordinal);
    }

    [RealFixturesFact]
    public void Verify_SignatureLengthThatWrapsAround_IsMalformed()
    {
        var image = Verify(Copy(b => BinaryPrimitives.WriteUInt64BigEndian(b.AsSpan(Trailer(b) + UdifTrailer.SignatureLengthField), ulong.MaxValue - 10)));

        Assert.Equal(FindingKind.MalformedDiskImage, Assert.Single(image.Report.Findings).Kind);
        Assert.Equal(SignatureVerdict.Invalid, image.Report.Verdict);
    }

    [RealFixturesFact]
    public void Verify_SignatureReachingIntoTheTrailer_IsMalformed()
    {
        var image = Verify(Copy(b => BinaryPrimitives.WriteUInt64BigEndian(b.AsSpan(Trailer(b) + UdifTrailer.SignatureLengthField), SignatureLength + 1)));

        Assert.Equal(SignatureVerdict.Invalid, image.Report.Verdict);
        Assert.Equal(FindingKind.MalformedDiskImage, Assert.Single(image.Report.Findings).Kind);
    }

    [RealFixturesFact]
    public void Verify_GapBetweenSignatureBlobs_FailsStrictValidationOnly()
    {
        // 4 zero bytes between the Requirements blob (ends at +401) and the CMS wrapper, the index and both lengths
        // adjusted: every hash still matches (the code ends where the signature starts; slot -6 zeroes the length), but
        // SEC's strict check for disk images wants the blobs back to back.
        var original = File.ReadAllBytes(Fixture);
        var signature = original.AsSpan((int)SignatureOffset, SignatureLength).ToArray();
        byte[] gapped = [.. signature.AsSpan(0, 401), 0, 0, 0, 0, .. signature.AsSpan(401)];
        BinaryPrimitives.WriteUInt32BigEndian(gapped.AsSpan(4), (uint)gapped.Length);
        Assert.Equal(401u, BinaryPrimitives.ReadUInt32BigEndian(gapped.AsSpan(12 + 16 + 4)));
        BinaryPrimitives.WriteUInt32BigEndian(gapped.AsSpan(12 + 16 + 4), 405);
        var trailer = original.AsSpan(Trailer(original)).ToArray();
        BinaryPrimitives.WriteUInt64BigEndian(trailer.AsSpan(UdifTrailer.SignatureLengthField), (ulong)gapped.Length);
        var path = _dir.Combine("gapped.dmg");
        File.WriteAllBytes(path, [.. original.AsSpan(0, (int)SignatureOffset), .. gapped, .. trailer]);

        var strict = Verify(path);
        var lax = new DiskImageVerifier(new CodeSignatureVerifierOptions { Strict = false }).Verify(path);

        Assert.Equal(SignatureVerdict.Invalid, strict.Report.Verdict);
        var finding = Assert.Single(strict.Report.Findings, f => f.Severity == FindingSeverity.Error);
        Assert.Equal(FindingKind.MalformedSignature, finding.Kind);
        Assert.Contains("strict validation: the blob of slot 0x10000 starts at +0x195, not +0x191", finding.Detail, StringComparison.Ordinal);
        Assert.Equal(SignatureVerdict.Valid, lax.Report.Verdict);
    }

    [RealFixturesFact]
    public void Verify_Cancelled_StopsWhileHashingInsteadOfFinishing()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.Throws<OperationCanceledException>(() => new DiskImageVerifier().Verify(Copy(), cancelled.Token));
    }

    [Fact]
    public void IsDiskImage_FileWithoutKolyTrailer_IsFalse_AndVerifySaysNotADiskImage()
    {
        var path = _dir.Combine("plain.bin");
        File.WriteAllBytes(path, new byte[2048]);

        Assert.False(DiskImageVerifier.IsDiskImage(path));
        var image = Verify(path);
        Assert.Equal(SignatureVerdict.Unsigned, image.Report.Verdict);
        Assert.Contains("koly", Assert.Single(image.Report.Findings).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_TrailerWithAWrongHeaderSize_IsMalformed()
    {
        var bytes = new byte[4096];
        var trailer = bytes.AsSpan(bytes.Length - UdifTrailer.Size);
        BinaryPrimitives.WriteUInt32BigEndian(trailer, UdifTrailer.Magic);
        BinaryPrimitives.WriteUInt32BigEndian(trailer[4..], 4);
        BinaryPrimitives.WriteUInt32BigEndian(trailer[8..], 12);
        var path = _dir.Combine("bad-header.dmg");
        File.WriteAllBytes(path, bytes);

        var image = Verify(path);

        Assert.Equal(SignatureVerdict.Invalid, image.Report.Verdict);
        Assert.Equal(FindingKind.MalformedDiskImage, Assert.Single(image.Report.Findings).Kind);
    }

    public void Dispose() => _dir.Dispose();
}
