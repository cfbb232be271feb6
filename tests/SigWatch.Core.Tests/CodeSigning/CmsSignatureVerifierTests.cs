using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using SigWatch.Core.CodeSigning;
using SigWatch.Core.MachO;
using SigWatch.Core.Tests.Verification;
using SigWatch.Core.Verification;
using SigWatch.TestSupport.Builders;

namespace SigWatch.Core.Tests.CodeSigning;

public class CmsSignatureVerifierTests
{
    private static readonly string s_libSystemNative = Path.Combine(Path.GetDirectoryName(RealArtifacts.LibCoreClr())!, "libSystem.Native.dylib");

    private static (byte[] File, CodeSignature Signature, int SignatureOffset) ReadReal()
    {
        var bytes = File.ReadAllBytes(s_libSystemNative);
        var image = MachFile.Read(bytes).Slices[0].Image!;
        image.TryGetCodeSignature(out var sig);
        return (bytes, CodeSignature.ReadEmbedded(sig, image.CodeSignature!.Value.DataOffset), (int)image.CodeSignature!.Value.DataOffset);
    }

    [Fact]
    public void Chain_AppleLeafPrivateCriticalExtensions_AreReportedByDotNetAndToleratedByUs()
    {
        // Reference §6.2 caution, measured: Apple marks 1.2.840.113635.100.6.1.13 critical. How X509Chain on this OS
        // reports it decides what CmsSignatureVerifier must tolerate; this test pins the observed behaviour.
        var (_, signature, _) = ReadReal();
        var cms = new SignedCms(new ContentInfo(signature.Primary!.Bytes.ToArray()), detached: true);
        cms.Decode(signature.CmsSignature!.Value.Span);
        var leaf = cms.SignerInfos[0].Certificate!;
        Assert.True(leaf.Extensions[AppleTrust.LeafDeveloperIdApplication]!.Critical);
        var root = cms.Certificates.Single(c => AppleTrust.RootPins.ContainsKey(c.GetCertHashString(HashAlgorithmName.SHA256)));
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.ExtraStore.AddRange(cms.Certificates);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.VerificationTime = new DateTime(2026, 9, 1, 0, 0, 0, DateTimeKind.Utc);

        chain.Build(leaf);

        var leafStatus = chain.ChainElements[0].ChainElementStatus.Select(s => s.Status).ToList();
        if (OperatingSystem.IsLinux())
        {
            Assert.Contains(X509ChainStatusFlags.HasNotSupportedCriticalExtension, leafStatus);
        }

        Assert.Equal(3, chain.ChainElements.Count);
        var report = new CodeSignatureVerifier().VerifyFile(s_libSystemNative);
        Assert.True(report.Architectures[0].Cms!.ChainTrusted);
    }

    [Fact]
    public void Verify_ByteFlippedInCodeDirectory_FailsCmsAndCdHashAttribute()
    {
        var (bytes, signature, offset) = ReadReal();
        var cdOffset = offset + (int)signature.SuperBlob!.Entries.Single(e => e.Type == 0).Offset;
        var identOffset = (int)signature.Primary!.IdentOffset;
        bytes[cdOffset + identOffset] ^= 0x20; // 'l' → 'L' in the identifier: only the CD changes

        var report = new CodeSignatureVerifier().Verify(bytes, "mutated");

        Assert.Equal(SignatureVerdict.Invalid, report.Verdict);
        Assert.Contains(report.Findings, f => f.Kind == FindingKind.CmsSignatureInvalid);
        Assert.Contains(report.Findings, f => f.Kind == FindingKind.CdHashAttributeMismatch);
        Assert.DoesNotContain(report.Findings, f => f.Kind == FindingKind.PageHashMismatch);
    }

    [Fact]
    public void Verify_ByteFlippedInCmsSignatureValue_FailsCms()
    {
        var (bytes, signature, offset) = ReadReal();
        var cmsEntry = signature.SuperBlob!.Entries.Single(e => e.Type == CodeSigningSlot.Signature);
        var cms = new SignedCms();
        cms.Decode(signature.CmsSignature!.Value.Span);
        var signatureValue = cms.SignerInfos[0].GetSignature();
        var cmsStart = offset + (int)cmsEntry.Offset + 8;
        var at = signature.CmsSignature!.Value.Span.IndexOf(signatureValue.AsSpan(0, 32));
        Assert.True(at > 0);
        bytes[cmsStart + at + 5] ^= 0x01;

        var report = new CodeSignatureVerifier().Verify(bytes, "mutated");

        Assert.Equal(SignatureVerdict.Invalid, report.Verdict);
        Assert.Contains(report.Findings, f => f.Kind is FindingKind.CmsSignatureInvalid or FindingKind.TimestampInvalid);
    }

    [Fact]
    public void Verify_CertificateBagByteFlipped_IsInvalid()
    {
        var (bytes, signature, offset) = ReadReal();
        var cmsEntry = signature.SuperBlob!.Entries.Single(e => e.Type == CodeSigningSlot.Signature);
        bytes[offset + (int)cmsEntry.Offset + 8 + 400] ^= 0x01; // inside the first certificate of the bag

        var report = new CodeSignatureVerifier().Verify(bytes, "mutated");

        Assert.Equal(SignatureVerdict.Invalid, report.Verdict);
    }

    [Fact]
    public void Verify_SelfSignedSignerNamedLikeApple_IsUntrustedDespiteValidSignature()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=Apple Root CA, O=Apple Inc., C=US", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509Extension(AppleTrust.LeafDeveloperIdApplication, [0x05, 0x00], critical: true));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var bytes = SignWithCms(certificate, new MachOBuilder { Flags = CodeDirectoryFlags.None, TeamId = "ABCDE12345" });

        var report = new CodeSignatureVerifier().Verify(bytes, "self-signed");

        var arch = report.Architectures[0];
        Assert.True(arch.Cms!.SignatureValid);
        Assert.False(arch.Cms.ChainTrusted);
        Assert.Equal(SignatureClassification.Untrusted, arch.Classification);
        Assert.Contains(report.Findings, f => f.Kind == FindingKind.CertificateChainUntrusted);
        Assert.Equal(SignatureVerdict.Invalid, report.Verdict);
    }

    [Fact]
    public void Verify_SignedWithSigningTime_ReportsDeclaredTimeButNoSecureTime()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var certificate = new CertificateRequest("CN=Tester", key, HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var bytes = SignWithCms(certificate, new MachOBuilder { Flags = CodeDirectoryFlags.None });

        var cms = new CodeSignatureVerifier().Verify(bytes, "x").Architectures[0].Cms!;

        Assert.NotNull(cms.DeclaredSigningTime);
        Assert.Null(cms.TimestampedSigningTime);
        Assert.False(cms.HasTimestampToken);
        Assert.Equal("CN=Tester", cms.Leaf!.Subject);
        Assert.Equal(64, cms.Leaf.Sha256.Length);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Verify_DualHashAgilityValuesInEitherOrder_SignatureVerifiesOverTheBytesAsSigned(bool derOrder)
    {
        using var certificate = SignedMachO.TestSigner();
        var bytes = SignedMachO.DualHash(certificate, derOrder);

        var report = new CodeSignatureVerifier().Verify(bytes, "dual-hash");

        var arch = report.Architectures[0];
        Assert.Equal(2, arch.CodeDirectories.Count);
        Assert.True(arch.Cms!.SignatureValid);
        Assert.Equal(2, arch.Cms.CdHashes2!.Count);
        Assert.DoesNotContain(report.Findings, f => f.Kind is FindingKind.CmsSignatureInvalid or FindingKind.CdHashAttributeMismatch);
        // The test key is nobody Apple knows: the signature checks out, the chain does not, and that is the verdict.
        Assert.False(arch.Cms.ChainTrusted);
        Assert.Contains(report.Findings, f => f.Kind == FindingKind.CertificateChainUntrusted);
        Assert.Equal(SignatureClassification.Untrusted, arch.Classification);
        Assert.Equal(SignatureVerdict.Invalid, report.Verdict);
    }

    [Fact]
    public void Verify_DualHashAgilityValuesOutOfDerOrder_AreWhatDotNetsCheckSignatureRejects()
    {
        // Pins why CmsSignerSignature exists: SignerInfo.CheckSignature re-encodes the attributes in DER, sorting the
        // two values, so it checks other bytes than were signed. If .NET ever stops doing that, this test says so.
        using var certificate = SignedMachO.TestSigner();
        var bytes = SignedMachO.DualHash(certificate, derOrder: false);
        var signature = SignedMachO.ReadSignature(bytes);
        var cms = new SignedCms(new ContentInfo(signature.Primary!.Bytes.ToArray()), detached: true);
        cms.Decode(signature.CmsSignature!.Value.Span);

        Assert.ThrowsAny<CryptographicException>(() => cms.SignerInfos[0].CheckSignature(verifySignatureOnly: true));
    }

    [Fact]
    public void Verify_DualHashSignatureByteFlipped_IsCmsSignatureInvalid()
    {
        using var certificate = SignedMachO.TestSigner();
        var bytes = SignedMachO.DualHash(certificate, derOrder: false);
        var signature = SignedMachO.ReadSignature(bytes);
        var signatureValue = CmsSignerSignature.Read(signature.CmsSignature!.Value).Signature;
        var at = bytes.AsSpan().IndexOf(signatureValue);
        Assert.True(at > 0);
        bytes[at + 17] ^= 0x01;

        var report = new CodeSignatureVerifier().Verify(bytes, "dual-hash");

        Assert.False(report.Architectures[0].Cms!.SignatureValid);
        Assert.Contains(report.Findings, f => f.Kind == FindingKind.CmsSignatureInvalid && f.Detail.Contains("RSA signature does not verify"));
        Assert.Equal(SignatureVerdict.Invalid, report.Verdict);
    }

    [Theory]
    [InlineData(false, true)]
    [InlineData(true, false)]
    public void Verify_SignedAttributesWithANonMinimalLength_AreHashedAsSecReencodesThem(bool signAsTransmitted, bool verifies)
    {
        // SEC hashes the attributes re-encoded with definite minimal lengths (cmsattr.c SecCmsAttributeArrayEncode): a
        // signature over the minimal form verifies whatever length form travels; one over the long form itself does not.
        using var certificate = SignedMachO.TestSigner();
        var builder = new MachOBuilder { Flags = CodeDirectoryFlags.None, TeamId = "ABCDE12345" };
        var bytes = SignedMachO.Sign(builder, signature => new CmsBuilder
        {
            Signer = certificate,
            LongFormAttributesLength = true,
            SignAsTransmitted = signAsTransmitted,
        }.Build(signature.Primary!.Bytes.ToArray()));

        var report = new CodeSignatureVerifier().Verify(bytes, "long-form");

        Assert.Equal(verifies, report.Architectures[0].Cms!.SignatureValid);
    }

    [Fact]
    public void Verify_MessageDigestOfAnotherCodeDirectory_IsCmsSignatureInvalid()
    {
        using var certificate = SignedMachO.TestSigner();
        var builder = new MachOBuilder { Flags = CodeDirectoryFlags.None, TeamId = "ABCDE12345" };
        // A correct signature over attributes whose messageDigest is of other bytes: the signature alone is not enough.
        var bytes = SignedMachO.Sign(builder, _ => new CmsBuilder { Signer = certificate }.Build([1, 2, 3]));

        var report = new CodeSignatureVerifier().Verify(bytes, "other-digest");

        Assert.Contains(report.Findings, f => f.Kind == FindingKind.CmsSignatureInvalid && f.Detail.Contains("messageDigest"));
    }

    /// <summary>Builds the image twice: once to learn the CD bytes, then with a CMS over them of the same size.</summary>
    private static byte[] SignWithCms(X509Certificate2 certificate, MachOBuilder builder) => SignedMachO.Sign(builder, signature =>
    {
        var signed = new SignedCms(new ContentInfo(signature.Primary!.Bytes.ToArray()), detached: true);
        var signer = new CmsSigner(certificate) { IncludeOption = X509IncludeOption.EndCertOnly };
        signer.SignedAttributes.Add(new Pkcs9SigningTime(DateTime.UtcNow));
        signed.ComputeSignature(signer);
        return signed.Encode();
    });
}

public class CdHashesPlistTests
{
    [Fact]
    public void Decode_CodesignShape_ReturnsHashesInOrder()
    {
        var xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
            <plist version="1.0"><dict><key>cdhashes</key><array>
            <data>AQIDBAUGBwgJCgsMDQ4PEBESExQ=</data><data>FBMSERAPDg0MCwoJCAcGBQQDAgE=</data>
            </array></dict></plist>
            """u8.ToArray();

        var hashes = CdHashesPlist.Decode(xml)!;

        Assert.Equal(2, hashes.Count);
        Assert.Equal(Enumerable.Range(1, 20).Select(i => (byte)i), hashes[0]);
    }

    [Theory]
    [InlineData("<plist><dict><key>cdhashes</key><string>x</string></dict></plist>")]
    [InlineData("<plist><dict><key>cdhashes</key><array><string>x</string></array></dict></plist>")]
    [InlineData("<plist><array/></plist>")]
    [InlineData("not a plist")]
    public void Decode_OtherShapes_ReturnsNull(string xml) =>
        Assert.Null(CdHashesPlist.Decode(System.Text.Encoding.UTF8.GetBytes(xml)));
}

public class CmsResultCacheTests
{
    private static readonly string s_dylib = Path.Combine(Path.GetDirectoryName(RealArtifacts.LibCoreClr())!, "libSystem.Native.dylib");

    [Fact]
    public void Verify_SameVerifierTwice_ReplaysFindingsWithTheNewPath()
    {
        var verifier = new CodeSignatureVerifier();
        var bytes = File.ReadAllBytes(s_dylib);

        var first = verifier.Verify(bytes, "first");
        var second = verifier.Verify(bytes, "second");

        Assert.Equal(first.Findings.Select(f => f.Kind), second.Findings.Select(f => f.Kind));
        Assert.All(second.Findings, f => Assert.Equal("second", f.Path));
        Assert.Same(first.Architectures[0].Cms, second.Architectures[0].Cms);
    }

    [Fact]
    public void Verify_CodeDirectoryChangedAfterCachedValidResult_StillFails()
    {
        var verifier = new CodeSignatureVerifier();
        var bytes = File.ReadAllBytes(s_dylib);
        Assert.Equal(SignatureVerdict.Valid, verifier.Verify(bytes, "x").Verdict);
        var cd = verifier.Verify(bytes, "x").Architectures[0].Best!;
        bytes[cd.FileOffset + cd.IdentOffset] ^= 0x20;

        var report = verifier.Verify(bytes, "x");

        Assert.Contains(report.Findings, f => f.Kind == FindingKind.CmsSignatureInvalid);
    }
}
