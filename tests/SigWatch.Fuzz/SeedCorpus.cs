using System.Buffers.Binary;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using SigWatch.Core.Binary;
using SigWatch.Core.CodeSigning;
using SigWatch.Core.CodeSigning.Requirements;
using SigWatch.Core.MachO;
using SigWatch.Core.Plist;
using SigWatch.TestSupport.Builders;

namespace SigWatch.Fuzz;

/// <summary>
/// Seed corpora for every target, made from the real signed fixtures (../shared/fixtures/real): the small Mach-O files
/// whole, the SuperBlobs, requirement sets and their text taken out of their signatures, every property list (and its
/// binary form), every CodeResources, the archives; plus forms made here that the fixtures do not hold (quarantine
/// values; disk images, installer packages and zips in the variants their parsers tell apart). Small seeds fuzz faster, so each target takes the smallest inputs first.
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
                if (Compacted(bytes) is { } compact)
                {
                    seeds["disk-image"].Add(compact);
                }
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
        // user-approved file write them (reference/quarantine.md); and for the archive parsers, which the fixtures seed
        // with one file each, the forms their code tells apart (AFL rarely finds a whole valid variant by mutation).
        seeds["quarantine-value"].AddRange(
            ["0083;6723b9fa;Safari;02162070-0D2C-4A3B-9AE2-1234567890AB"u8.ToArray(), "0081;6723b9fa;Chrome;"u8.ToArray(), "01c1;6723b9fa;;"u8.ToArray()]);
        seeds["disk-image"].AddRange(DiskImages());
        seeds["installer-package"].AddRange(InstallerPackages());
        seeds["zip-listing"].AddRange(Zips());
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
        var signature = new SuperBlobBuilder().Build();
        return [.. new byte[64], .. signature, .. DiskImageBuilder.Trailer(64, signature.Length)];
    }

    /// <summary>
    /// A real image too big to seed, made small: its first 4 KiB, then its own signature and trailer, the trailer's
    /// signature offset moved to match. The code slot no longer matches (a finding); everything in the real signature
    /// (its CodeDirectory, requirements, special slots) is there to mutate. Null when the image has no usable signature.
    /// </summary>
    private static byte[]? Compacted(byte[] image)
    {
        var at = image.Length - Core.DiskImages.UdifTrailer.Size;
        if (at < 0)
        {
            return null;
        }

        Core.DiskImages.UdifTrailer parsed;
        try
        {
            parsed = Core.DiskImages.UdifTrailer.Parse(image.AsSpan(at), at);
        }
        catch (MalformedDataException)
        {
            return null;
        }

        var (offset, length) = (parsed.SignatureOffset, parsed.SignatureLength);
        if (length is 0 or > 64 * 1024 || offset > (ulong)at - length)
        {
            return null;
        }

        var data = image.AsSpan(0, (int)Math.Min(4096, (long)offset));
        var trailer = image.AsSpan(at).ToArray();
        BinaryPrimitives.WriteUInt64BigEndian(trailer.AsSpan(Core.DiskImages.UdifTrailer.SignatureOffsetField), (ulong)data.Length);
        return [.. data, .. image.AsSpan((int)offset, (int)length), .. trailer];
    }

    /// <summary>The minimal image; a valid ad hoc signed one (one code slot, the trailer's special slot); one signed over no bytes.</summary>
    private static IEnumerable<byte[]> DiskImages()
    {
        yield return MinimalDiskImage();
        var data = new byte[4096];
        new Random(1).NextBytes(data);
        yield return DiskImageBuilder.AdHoc(data);
        yield return DiskImageBuilder.AdHoc([], "Empty");
    }

    /// <summary>
    /// Component packages unsigned (with scripts), RSA-signed, RSA and CMS signed, stapled, with a bzip2 PackageInfo; a
    /// product archive whose Distribution runs JavaScript. The signer is made here (no Apple chain): the chain checks fail,
    /// everything before them is reached.
    /// </summary>
    private static IEnumerable<byte[]> InstallerPackages()
    {
        var signer = XarBuilder.TestSigner();
        yield return XarBuilder.Component("com.example.tool", "1.0", "/usr/local", withScripts: true).Build();
        yield return XarBuilder.Component("com.example.signed", "2.0", "/Applications", signer: signer).Build();
        var cms = XarBuilder.Component("com.example.cms", "3.0", "/Applications", signer: signer, withCms: true).Build();
        yield return cms;
        yield return XarBuilder.Staple(cms, new byte[64]);
        var info = "<?xml version=\"1.0\" encoding=\"utf-8\"?><pkg-info format-version=\"2\" identifier=\"com.example.bz\" version=\"1\" install-location=\"/\"/>"u8.ToArray();
        yield return new XarBuilder().WithStoredFile("PackageInfo", Bzip2(info), info.Length, "application/x-bzip2").WithFile("Payload", new byte[100]).Build();
        yield return XarBuilder.Product("com.example.app", "4.0", distributionRunsScripts: true).Build();
    }

    private static byte[] Bzip2(byte[] data)
    {
        using var output = new MemoryStream();
        using (var bzip2 = new ICSharpCode.SharpZipLib.BZip2.BZip2OutputStream(output) { IsStreamOwner = false })
        {
            bzip2.Write(data);
        }

        return output.ToArray();
    }

    /// <summary>
    /// Zips with an app (stored and deflated entries, a directory, a symlink made on Unix), AppleDouble debris, an NFD
    /// name and an archive comment; the same in ZIP64 form; an empty archive (the end record alone).
    /// </summary>
    private static IEnumerable<byte[]> Zips()
    {
        using var output = new MemoryStream();
        using (var archive = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true) { Comment = "seed" })
        {
            archive.CreateEntry("Tool.app/");
            Write(archive.CreateEntry("Tool.app/Contents/Info.plist", CompressionLevel.Optimal), "<plist version=\"1.0\"><dict/></plist>");
            Write(archive.CreateEntry("Tool.app/Contents/MacOS/Tool", CompressionLevel.NoCompression), "not a Mach-O");
            var link = archive.CreateEntry("Tool.app/Contents/Frameworks/Current", CompressionLevel.NoCompression);
            link.ExternalAttributes = unchecked((int)0xA1FF0000); // S_IFLNK | 0777 in the upper 16 bits
            Write(link, "A");
            Write(archive.CreateEntry("Cafe\u0301.app/Contents/Info.plist"), "<plist/>");
            Write(archive.CreateEntry("__MACOSX/Tool.app/Contents/._Info.plist"), "AppleDouble");
        }

        var zip = output.ToArray();
        yield return zip;
        yield return ZipForms.ToZip64(zip);
        using var empty = new MemoryStream();
        new ZipArchive(empty, ZipArchiveMode.Create, leaveOpen: true).Dispose();
        yield return empty.ToArray();
    }

    private static void Write(ZipArchiveEntry entry, string content)
    {
        using var writer = new StreamWriter(entry.Open());
        writer.Write(content);
    }
}
