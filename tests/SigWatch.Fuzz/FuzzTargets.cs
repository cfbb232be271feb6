using SharpFuzz;
using SigWatch.Core.Binary;
using SigWatch.Core.CodeSigning;
using SigWatch.Core.MachO;
using SigWatch.Core.Verification;

namespace SigWatch.Fuzz;

/// <summary>
/// Fuzz targets by name. A target may only let <see cref="MalformedDataException"/> be caught inside it; any other
/// exception escaping is a bug (libFuzzer reports it as a crash, smoke mode as a failure). Add a target as one line.
/// </summary>
public static class FuzzTargets
{
    public static IReadOnlyDictionary<string, ReadOnlySpanAction> All { get; } = new Dictionary<string, ReadOnlySpanAction>(StringComparer.Ordinal)
    {
        ["macho-signature"] = MachOSignature,
        ["codesign-verify"] = Verify,
        ["requirement-decode"] = RequirementTargets.Decode,
        ["requirement-parse"] = data => RequirementTargets.Parse(System.Text.Encoding.UTF8.GetString(data)),
        ["quarantine-value"] = QuarantineTargets.ParseValue,
        ["plist"] = Plist,
        ["disk-image"] = data => _ = new Core.DiskImages.DiskImageVerifier().Verify("fuzz.dmg", data.ToArray()),
        ["installer-package"] = data => _ = new Core.Packages.PackageVerifier().Verify("fuzz.pkg", data.ToArray()),
        ["zip-listing"] = ZipListing,
        ["code-resources"] = SealTargets.CodeResources,
        ["cms-signature"] = SealTargets.CmsSignature,
    };

    /// <summary>A zip's end record and central directory: only <see cref="MalformedDataException"/> may come out.</summary>
    public static void ZipListing(ReadOnlySpan<byte> data)
    {
        var bytes = data.ToArray();
        try
        {
            var listing = Core.Archives.ZipListing.Read(Core.Binary.RandomAccessReader.Of(bytes), bytes.Length);
            _ = listing.Apps.Count + listing.AppleDouble.Count + listing.Symlinks;
        }
        catch (MalformedDataException)
        {
        }
    }

    /// <summary>
    /// Property lists, both formats: only <see cref="Core.Plist.PlistFormatException"/> may come out (as a TryRead
    /// failure). Differential too: whatever the XML fast path takes, the XmlReader path must read to an equal value; and
    /// the fast path leaving the root's "files" out takes exactly what it takes whole, every other value read alike.
    /// </summary>
    public static void Plist(ReadOnlySpan<byte> data)
    {
        if (Core.Plist.PropertyList.TryRead(data, out var value, out _))
        {
            _ = value.GetHashCode();
        }

        var options = Core.Plist.PlistReaderOptions.Default;
        var whole = Core.Plist.XmlPropertyListFastReader.TryRead(data, options);
        // Leaving a root key's value out (CodeResources' version-1 files) must take or decline exactly what a whole read
        // does, and read every other value alike.
        var partial = Core.Plist.XmlPropertyListFastReader.TryRead(data, options, "files", out var leftOut);
        if ((whole is null) != (partial is null) || leftOut != (whole is Core.Plist.PlistDictionary d && d.ContainsKey("files")))
        {
            throw new InvalidOperationException("the XML fast path with a key left out disagrees with the whole read on taking the document");
        }

        if (whole is Core.Plist.PlistDictionary wholeRoot && partial is Core.Plist.PlistDictionary partialRoot
            && (!wholeRoot.Keys.SequenceEqual(partialRoot.Keys) || wholeRoot.Any(e => e.Key == "files"
                ? !ReferenceEquals(partialRoot[e.Key], Core.Plist.XmlPropertyListFastReader.LeftOut)
                : !e.Value.Equals(partialRoot[e.Key]))))
        {
            throw new InvalidOperationException("the XML fast path with a key left out read another value differently");
        }

        if (whole is { } fast)
        {
            Core.Plist.PlistValue slow;
            try
            {
                slow = Core.Plist.XmlPropertyListReader.ReadWithXmlReader(data, options);
            }
            catch (Core.Plist.PlistFormatException e)
            {
                throw new InvalidOperationException($"the XML fast path accepted what XmlReader rejects: {e.Message}", e);
            }

            if (!slow.Equals(fast))
            {
                throw new InvalidOperationException("the XML fast path and XmlReader read different values");
            }
        }
    }

    /// <summary>Mach-O container → LC_CODE_SIGNATURE → SuperBlob → every CodeDirectory (parse, integrity, cdhash).</summary>
    public static void MachOSignature(ReadOnlySpan<byte> data)
    {
        var bytes = data.ToArray();
        if (!MachFile.TryRead(bytes, out var file, out _))
        {
            return;
        }

        foreach (var slice in file!.Slices)
        {
            if (slice.Image is not { } image)
            {
                continue;
            }

            try
            {
                if (!image.TryGetCodeSignature(out var signatureBytes))
                {
                    continue;
                }

                var signature = CodeSignature.ReadEmbedded(signatureBytes, image.FileOffset + image.CodeSignature!.Value.DataOffset);
                foreach (var entry in signature.CodeDirectories)
                {
                    var cd = entry.Directory;
                    _ = cd.CdHashHex;
                    if (cd.CanCheckHashes)
                    {
                        for (var slot = 1u; slot <= Math.Min(cd.SpecialSlotCount, 16u); slot++)
                        {
                            _ = cd.HasSpecialSlot(slot);
                        }
                    }
                }

                _ = signature.Best;
                _ = signature.Entitlements?.Xml;
            }
            catch (MalformedDataException)
            {
                // Malformed input is the expected outcome for most mutants.
            }
        }
    }

    /// <summary>The whole verifier, CMS included: it must turn every input into a report, never throw.</summary>
    public static void Verify(ReadOnlySpan<byte> data) => _ = new CodeSignatureVerifier().Verify(data.ToArray(), "fuzz");
}
