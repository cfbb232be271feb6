using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SigWatch.Core.CodeSigning;
using SigWatch.Core.MachO;
using Xunit;

namespace SigWatch.TestSupport.Builders;

/// <summary>Mach-O images with a real CMS signature made at test time with a test key (never an Apple chain).</summary>
public static class SignedMachO
{
    /// <summary>A self-signed RSA 2048 code-signing certificate whose OU is <paramref name="team"/>.</summary>
    public static X509Certificate2 TestSigner(string team = "ABCDE12345")
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN=SigWatch Test Signer, OU={team}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.3")], critical: true));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
    }

    /// <summary>
    /// SHA-1 (slot 0) and SHA-256 (alternate) CodeDirectories signed as codesign does for old deployment targets, with
    /// the hash-agility V2 attribute holding one value per CodeDirectory, in DER order or reversed.
    /// </summary>
    public static byte[] DualHash(X509Certificate2 certificate, bool derOrder, MachOBuilder? builder = null)
    {
        builder ??= new MachOBuilder { Flags = CodeDirectoryFlags.None, TeamId = "ABCDE12345" };
        return Sign(builder.WithHashTypes(CodeHashType.Sha1, CodeHashType.Sha256), signature =>
        {
            var sorted = signature.CodeDirectories
                .Select(c => CmsBuilder.CdHashes2Value(CodeHashing.DigestOid(c.Directory.HashType)!, c.Directory.FullCdHash))
                .OrderBy(v => v, DerSetOrder.Instance)
                .ToList();
            var values = derOrder ? sorted : Enumerable.Reverse(sorted).ToList();
            Assert.False(sorted.SequenceEqual(Enumerable.Reverse(sorted)), "the two values must differ for the order to mean anything");
            return new CmsBuilder { Signer = certificate }
                .WithAttribute(CmsBuilder.OidCdHashes2, [.. values])
                .Build(signature.Primary!.Bytes.ToArray());
        });
    }

    /// <summary>
    /// Builds the image twice: once to learn the CodeDirectories, then with the CMS <paramref name="makeCms"/> makes over
    /// them. The CD covers LC_CODE_SIGNATURE's datasize, so the placeholder must have the final CMS length; ECDSA
    /// signature lengths vary, hence the retry until the length is stable.
    /// </summary>
    public static byte[] Sign(MachOBuilder builder, Func<CodeSignature, byte[]> makeCms)
    {
        var length = 16;
        for (var attempt = 0; attempt < 20; attempt++)
        {
            var signature = ReadSignature(builder.WithCms(new byte[length]).Build());
            var cms = makeCms(signature);
            if (cms.Length == length)
            {
                var final = builder.WithCms(cms).Build();
                Assert.Equal(signature.Primary!.Bytes.ToArray(), ReadSignature(final).Primary!.Bytes.ToArray());
                return final;
            }

            length = cms.Length;
        }

        throw new InvalidOperationException("CMS length did not settle");
    }

    /// <summary>The signature of a thin image.</summary>
    public static CodeSignature ReadSignature(byte[] file)
    {
        var image = MachFile.Read(file).Slices[0].Image!;
        image.TryGetCodeSignature(out var sig);
        return CodeSignature.ReadEmbedded(sig, 0);
    }

    /// <summary>X.690 §11.6: SET OF elements in ascending order of their encodings, the shorter padded with zeros.</summary>
    private sealed class DerSetOrder : IComparer<byte[]>
    {
        public static readonly DerSetOrder Instance = new();

        public int Compare(byte[]? x, byte[]? y)
        {
            for (var i = 0; i < Math.Max(x!.Length, y!.Length); i++)
            {
                var a = i < x.Length ? x[i] : 0;
                var b = i < y.Length ? y[i] : 0;
                if (a != b)
                {
                    return a.CompareTo(b);
                }
            }

            return 0;
        }
    }
}
