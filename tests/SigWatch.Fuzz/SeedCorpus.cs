using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using SigWatch.Core.Binary;
using SigWatch.Core.CodeSigning;
using SigWatch.Core.CodeSigning.Requirements;
using SigWatch.Core.MachO;
using SigWatch.Core.Plist;

namespace SigWatch.Fuzz;

/// <summary>
/// Seed corpora for every target, made from the real signed fixtures (../shared/fixtures/real): the small Mach-O files
/// whole, the SuperBlobs, requirement sets and their text taken out of their signatures, every property list (and its
/// binary form), every CodeResources, the archives; plus a few made here where the fixtures have none (quarantine
/// values, a minimal disk image). Small seeds fuzz faster, so each target takes the smallest inputs first.
/// </summary>
public static class SeedCorpus
{
    private const int MaxSeedBytes = 128 * 1024;
    private const int MaxSeedsPerTarget = 40;

    public static IReadOnlyList<(string Target, int Count)> Write(string fixtures, string output)
    {
        if (!Directory.Exists(fixtures))
        {
            throw new DirectoryNotFoundException($"no fixtures at {fixtures}");
        }

        var seeds = FuzzTargets.All.Keys.ToDictionary(k => k, _ => new List<byte[]>(), StringComparer.Ordinal);
        foreach (var path in Directory.EnumerateFiles(fixtures, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var info = new FileInfo(path);
            if (info.LinkTarget is not null || info.Length == 0 || info.Length > 4 * 1024 * 1024)
            {
                continue;
            }

            var bytes = File.ReadAllBytes(path);
            if (LooksLikeMachO(bytes))
            {
                AddMachO(bytes, seeds);
            }
            else if (info.Name == "CodeResources")
            {
                seeds["code-resources"].Add(bytes);
                AddPlist(bytes, seeds);
            }
            else if (info.Extension is ".plist" or ".entitlements")
            {
                AddPlist(bytes, seeds);
            }
            else if (info.Extension == ".dmg")
            {
                seeds["disk-image"].Add(bytes);
            }
            else if (info.Extension == ".pkg")
            {
                seeds["installer-package"].Add(bytes);
            }
            else if (info.Extension == ".zip")
            {
                seeds["zip-listing"].Add(bytes);
            }
        }

        // Forms the fixtures do not hold: com.apple.quarantine values as Safari, a browser without a UUID, and a
        // user-approved file write them (reference/quarantine.md), and the smallest disk image with a signature.
        seeds["quarantine-value"].AddRange(
            ["0083;6723b9fa;Safari;02162070-0D2C-4A3B-9AE2-1234567890AB"u8.ToArray(), "0081;6723b9fa;Chrome;"u8.ToArray(), "01c1;6723b9fa;;"u8.ToArray()]);
        seeds["disk-image"].Add(MinimalDiskImage());
        seeds["requirement-parse"].Add("anchor apple generic and identifier \"com.example\" and certificate leaf[subject.OU] = ABCDE12345"u8.ToArray());

        var written = new List<(string, int)>();
        foreach (var (target, inputs) in seeds)
        {
            var directory = Directory.CreateDirectory(Path.Combine(output, target)).FullName;
            var chosen = inputs.Where(b => b.Length <= MaxSeedBytes).DistinctBy(Convert.ToHexString).OrderBy(b => b.Length).Take(MaxSeedsPerTarget).ToList();
            if (chosen.Count == 0)
            {
                // AFL needs one input; for a target whose fixtures are all too big, the smallest one is still better than nothing.
                chosen = [.. inputs.OrderBy(b => b.Length).Take(1)];
            }

            foreach (var input in chosen)
            {
                File.WriteAllBytes(Path.Combine(directory, Convert.ToHexStringLower(SHA256.HashData(input))[..16]), input);
            }

            written.Add((target, chosen.Count));
        }

        return written;
    }

    private static bool LooksLikeMachO(byte[] bytes) =>
        bytes.Length >= 4 && BinaryPrimitives.ReadUInt32BigEndian(bytes) is 0xFEEDFACE or 0xFEEDFACF or 0xCEFAEDFE or 0xCFFAEDFE or 0xCAFEBABE;

    private static void AddMachO(byte[] bytes, Dictionary<string, List<byte[]>> seeds)
    {
        seeds["macho-signature"].Add(bytes);
        seeds["codesign-verify"].Add(bytes);
        if (!MachFile.TryRead(bytes, out var file, out _))
        {
            return;
        }

        foreach (var image in file!.Slices.Select(s => s.Image).OfType<MachImage>())
        {
            try
            {
                if (!image.TryGetCodeSignature(out var signatureBytes))
                {
                    continue;
                }

                var signature = CodeSignature.ReadEmbedded(signatureBytes, 0);
                if (signature.CmsSignature is not null)
                {
                    seeds["cms-signature"].Add(signatureBytes.ToArray());
                }

                if (signature.Requirements is { } requirements)
                {
                    seeds["requirement-decode"].Add(requirements.Bytes.ToArray());
                    var set = RequirementSet.Decode(requirements.Bytes.Span);
                    seeds["requirement-parse"].Add(Encoding.UTF8.GetBytes(set.ToString()));
                }

                if (signature.Entitlements is { } entitlements)
                {
                    AddPlist(entitlements.Payload.ToArray(), seeds);
                }
            }
            catch (Exception e) when (e is MalformedDataException or MalformedRequirementException)
            {
                // A fixture that is broken on purpose (r2-negative-tampered) still seeds the whole-file targets.
            }
        }
    }

    private static void AddPlist(byte[] bytes, Dictionary<string, List<byte[]>> seeds)
    {
        seeds["plist"].Add(bytes);
        if (PropertyList.TryRead(bytes, out var value, out _) && bytes.AsSpan().StartsWith("<?xml"u8))
        {
            seeds["plist"].Add(BinaryPropertyListWriter.Write(value));
        }
    }

    /// <summary>64 data bytes, an empty embedded-signature SuperBlob, and a koly trailer pointing at it.</summary>
    public static byte[] MinimalDiskImage()
    {
        var image = new byte[64 + 12 + Core.DiskImages.UdifTrailer.Size];
        var span = image.AsSpan();
        BinaryPrimitives.WriteUInt32BigEndian(span[64..], 0xFADE0CC0);
        BinaryPrimitives.WriteUInt32BigEndian(span[68..], 12);
        var trailer = span[76..];
        BinaryPrimitives.WriteUInt32BigEndian(trailer, Core.DiskImages.UdifTrailer.Magic);
        BinaryPrimitives.WriteUInt32BigEndian(trailer[4..], 4);
        BinaryPrimitives.WriteUInt32BigEndian(trailer[8..], Core.DiskImages.UdifTrailer.Size);
        BinaryPrimitives.WriteUInt64BigEndian(trailer[Core.DiskImages.UdifTrailer.SignatureOffsetField..], 64);
        BinaryPrimitives.WriteUInt64BigEndian(trailer[Core.DiskImages.UdifTrailer.SignatureLengthField..], 12);
        return image;
    }
}
