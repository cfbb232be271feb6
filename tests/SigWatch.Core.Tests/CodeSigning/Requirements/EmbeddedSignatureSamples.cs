using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using SigWatch.Core.CodeSigning.Requirements;

namespace SigWatch.Core.Tests.CodeSigning.Requirements;

/// <summary>
/// Test-only reader of the few embedded-signature facts requirement tests need, so they do not wait for the signature
/// engine built in parallel: each 0xFADE0CC0 SuperBlob found by magic (and validated by its index), its CodeDirectories
/// (slot 0 and 0x1000+: identifier at offset 20, hashType at 37, platform at 38), its requirement set (slot 2) and
/// the certificates of its CMS blob (slot 0x10000), ordered leaf → root by issuer.
/// </summary>
internal static class EmbeddedSignatureSamples
{
    public sealed record Sample(string Source, RequirementSet? Requirements, RequirementSubject Subject);

    public static IEnumerable<Sample> From(string root)
    {
        foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            if (new FileInfo(file).LinkTarget is not null)
            {
                continue;
            }

            var bytes = File.ReadAllBytes(file);
            var at = 0;
            while ((at = IndexOf(bytes, at)) >= 0)
            {
                var sample = TryRead(Path.GetRelativePath(root, file), bytes.AsSpan(at));
                at += 4;
                if (sample is not null)
                {
                    yield return sample;
                }
            }
        }
    }

    private static int IndexOf(byte[] bytes, int from)
    {
        ReadOnlySpan<byte> magic = [0xFA, 0xDE, 0x0C, 0xC0];
        var hit = bytes.AsSpan(from).IndexOf(magic);
        return hit < 0 ? -1 : from + hit;
    }

    private static Sample? TryRead(string source, ReadOnlySpan<byte> data)
    {
        if (data.Length < 12)
        {
            return null;
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(data[4..]);
        var count = BinaryPrimitives.ReadUInt32BigEndian(data[8..]);
        if (length > (uint)data.Length || count > 64 || 12 + (count * 8) > length)
        {
            return null;
        }

        var blob = data[..(int)length];
        var cdhashes = new List<byte[]>();
        string? identifier = null;
        int? platform = null;
        RequirementSet? requirements = null;
        List<X509Certificate2> chain = [];
        for (var i = 0; i < (int)count; i++)
        {
            var type = BinaryPrimitives.ReadUInt32BigEndian(blob[(12 + (i * 8))..]);
            var offset = BinaryPrimitives.ReadUInt32BigEndian(blob[(16 + (i * 8))..]);
            if ((ulong)offset + 8 > length)
            {
                return null;
            }

            var subLength = BinaryPrimitives.ReadUInt32BigEndian(blob[((int)offset + 4)..]);
            if ((ulong)offset + subLength > length || subLength < 8)
            {
                return null;
            }

            var sub = blob.Slice((int)offset, (int)subLength);
            if (type == 0 || type is >= 0x1000 and < 0x1005)
            {
                var identOffset = BinaryPrimitives.ReadUInt32BigEndian(sub[20..]);
                var end = sub[(int)identOffset..].IndexOf((byte)0);
                identifier ??= Encoding.UTF8.GetString(sub.Slice((int)identOffset, end));
                platform ??= sub[38];
                var digest = sub[37] switch
                {
                    1 => SHA1.HashData(sub),
                    4 => SHA384.HashData(sub),
                    _ => SHA256.HashData(sub),
                };
                cdhashes.Add(digest[..20]);
            }
            else if (type == 2)
            {
                requirements = RequirementSet.Decode(sub);
            }
            else if (type == 0x10000 && subLength > 8)
            {
                var cms = new SignedCms();
                cms.Decode(sub[8..]);
                chain = Order(cms);
            }
        }

        return identifier is null
            ? null
            : new Sample(source, requirements, new RequirementSubject
            {
                Identifier = identifier,
                CdHashes = cdhashes,
                PlatformIdentifier = platform,
                Certificates = chain,
            });
    }

    private static List<X509Certificate2> Order(SignedCms cms)
    {
        var all = cms.Certificates.Cast<X509Certificate2>().ToList();
        var chain = new List<X509Certificate2>();
        var current = cms.SignerInfos[0].Certificate;
        while (current is not null && chain.Count < 10)
        {
            chain.Add(current);
            if (current.SubjectName.RawData.AsSpan().SequenceEqual(current.IssuerName.RawData))
            {
                break;
            }

            current = all.FirstOrDefault(c => c.SubjectName.RawData.AsSpan().SequenceEqual(current.IssuerName.RawData));
        }

        return chain;
    }
}
