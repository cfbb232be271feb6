using SigWatch.Core.Binary;

namespace SigWatch.Core.CodeSigning;

/// <summary>
/// The code signature of one architecture: its CodeDirectories (slot 0 and alternates), the other components
/// by slot, and the CMS bytes. Built from an embedded SuperBlob (<see cref="ReadEmbedded"/>) or from the
/// <c>_CodeSignature/*</c> files of a bundle without a Mach-O executable (<see cref="ReadDetached"/>).
/// A CodeDirectory that cannot be read becomes a <see cref="Problems"/> entry, so the rest is still reported.
/// </summary>
public sealed class CodeSignature
{
    private readonly Dictionary<uint, ReadOnlyMemory<byte>> _components;
    private long _fileOffset;

    private CodeSignature(SuperBlob? superBlob, IReadOnlyList<CodeDirectoryEntry> codeDirectories,
        Dictionary<uint, ReadOnlyMemory<byte>> components, IReadOnlyList<CodeSigningBlob> blobs,
        ReadOnlyMemory<byte>? cms, IReadOnlyList<MalformedDataException> problems)
    {
        SuperBlob = superBlob;
        CodeDirectories = codeDirectories;
        _components = components;
        Blobs = blobs;
        CmsSignature = cms;
        Problems = problems;
    }

    /// <summary>The embedded SuperBlob; null for a detached (file-per-component) signature.</summary>
    public SuperBlob? SuperBlob { get; }

    /// <summary>Slot 0 first, then the alternates in slot order.</summary>
    public IReadOnlyList<CodeDirectoryEntry> CodeDirectories { get; }

    /// <summary>Every blob found (including unknown ones), in index order.</summary>
    public IReadOnlyList<CodeSigningBlob> Blobs { get; }

    /// <summary>CMS DER bytes: null when there is no signature slot, empty for ad-hoc.</summary>
    public ReadOnlyMemory<byte>? CmsSignature { get; }

    /// <summary>True when the embedded SuperBlob was cut short (a truncated file): components may be missing.</summary>
    public bool IsTruncated => SuperBlob?.IsTruncated == true;

    /// <summary>Components that could not be read (e.g. a malformed alternate CodeDirectory, duplicate hash types, a truncation).</summary>
    public IReadOnlyList<MalformedDataException> Problems { get; }

    /// <summary>The slot-0 CodeDirectory: what the CMS signs (reference §3.8).</summary>
    public CodeDirectory? Primary => CodeDirectories.FirstOrDefault(c => c.Slot == CodeSigningSlot.CodeDirectory)?.Directory;

    /// <summary>The best CodeDirectory by SEC's priority (SHA-384 &gt; SHA-256 &gt; SHA-256-truncated &gt; SHA-1): its cdhash is "the" cdhash.</summary>
    public CodeDirectory? Best => CodeDirectories
        .Select(c => c.Directory)
        .OrderByDescending(cd => CodeHashing.Priority(cd.HashType))
        .FirstOrDefault();

    public RequirementsBlob? Requirements => Blobs.OfType<RequirementsBlob>().FirstOrDefault();

    public EntitlementsBlob? Entitlements => Blobs.OfType<EntitlementsBlob>().FirstOrDefault();

    public DerEntitlementsBlob? DerEntitlements => Blobs.OfType<DerEntitlementsBlob>().FirstOrDefault();

    public IEnumerable<LaunchConstraintBlob> LaunchConstraints => Blobs.OfType<LaunchConstraintBlob>();

    public IEnumerable<UnknownBlob> UnknownBlobs => Blobs.OfType<UnknownBlob>();

    /// <summary>
    /// The bytes a special slot hashes, as held in the signature (§2.2 component extraction): whole blobs for blob
    /// slots, the wrapper payload for the others. Info.plist and CodeResources normally come from the bundle instead.
    /// </summary>
    public bool TryGetComponent(uint slot, out ReadOnlyMemory<byte> bytes) => _components.TryGetValue(slot, out bytes);

    /// <summary>Reads an embedded signature (the bytes at <c>LC_CODE_SIGNATURE</c>; trailing padding is ignored).</summary>
    /// <param name="allowTruncated">
    /// The data may end before the SuperBlob does (a truncated file): what lies wholly inside it is read and the loss is a
    /// <see cref="Problems"/> entry, so a surviving CodeDirectory is still reported (see <see cref="SuperBlob.Parse"/>).
    /// </param>
    public static CodeSignature ReadEmbedded(ReadOnlyMemory<byte> data, long fileOffset, bool allowTruncated = false)
    {
        var superBlob = SuperBlob.Parse(data, fileOffset, CodeSigningMagic.EmbeddedSignature, allowTruncated);
        var components = new Dictionary<uint, ReadOnlyMemory<byte>>();
        var cdBlobs = new List<(uint Slot, ReadOnlyMemory<byte> Bytes, long Offset)>();
        var problems = new List<MalformedDataException>();
        if (superBlob.IsTruncated)
        {
            problems.Add(new MalformedDataException(MalformedDataReason.Truncated, fileOffset + 4, "SuperBlob",
                $"the signature is cut short: its length is {superBlob.DeclaredLength} bytes, {superBlob.Bytes.Length} are present"
                + (superBlob.LostTypes.Count > 0 ? $"; lost: {string.Join(", ", superBlob.LostTypes.Select(CodeSigningSlot.Name))}" : "")));
        }

        ReadOnlyMemory<byte>? cms = null;
        foreach (var entry in superBlob.Entries)
        {
            var slot = entry.Type;
            if (components.ContainsKey(slot))
            {
                // SEC looks components up with find(), which returns the first entry of a type.
                problems.Add(new MalformedDataException(MalformedDataReason.Duplicate, entry.Blob.FileOffset, "SuperBlob",
                    $"second blob for slot {CodeSigningSlot.Name(slot)} ignored"));
                continue;
            }

            if (CodeSigningSlot.IsBlobSlot(slot))
            {
                components[slot] = entry.Blob.Bytes;
            }
            else if (entry.Blob is BlobWrapper wrapper)
            {
                components[slot] = wrapper.Payload;
            }
            else
            {
                problems.Add(new MalformedDataException(MalformedDataReason.BadMagic, entry.Blob.FileOffset, "SuperBlob",
                    $"slot {CodeSigningSlot.Name(slot)} must hold a BlobWrapper, found magic 0x{entry.Blob.Magic:x8}"));
                continue;
            }

            if (slot == CodeSigningSlot.Signature)
            {
                cms = components[slot];
            }
        }

        foreach (var slot in CodeDirectorySlots())
        {
            if (!components.TryGetValue(slot, out var bytes))
            {
                if (slot != CodeSigningSlot.CodeDirectory)
                {
                    break; // SEC stops looking for alternates at the first empty slot.
                }

                continue;
            }

            var blob = superBlob.Entries.First(e => e.Type == slot).Blob;
            cdBlobs.Add((slot, bytes, blob.FileOffset));
        }

        return new CodeSignature(superBlob, ParseCodeDirectories(cdBlobs, problems), components,
            superBlob.Entries.Select(e => e.Blob).ToList(), cms, problems) { _fileOffset = fileOffset };
    }

    /// <summary>
    /// The same signature holding a copy of only its SuperBlob's bytes. An embedded signature's components are slices of
    /// the buffer the whole file was read into; a holder that keeps signatures (the daemon keeps its last reports for
    /// re-verification) keeps this instead, so no executable stays in memory. Detached signatures are already copies.
    /// </summary>
    public CodeSignature Detach() => SuperBlob is { } blob ? ReadEmbedded(blob.Bytes.ToArray(), _fileOffset, blob.IsTruncated) : this;

    /// <summary>
    /// Reads the components of a bundle without a Mach-O executable, stored one per file in <c>_CodeSignature/</c>
    /// (names from SEC <c>canonicalSlotName</c>; reference §8.7). <paramref name="readFile"/> returns null for a
    /// missing file (an array, not a memory: a null array would silently convert to an empty memory). Returns null
    /// when there is no <c>CodeDirectory</c> file (not signed this way).
    /// </summary>
    public static CodeSignature? ReadDetached(Func<string, byte[]?> readFile)
    {
        ArgumentNullException.ThrowIfNull(readFile);
        if (readFile(DetachedFileName(CodeSigningSlot.CodeDirectory)) is not { } primary)
        {
            return null;
        }

        var components = new Dictionary<uint, ReadOnlyMemory<byte>> { [CodeSigningSlot.CodeDirectory] = primary };
        var blobs = new List<CodeSigningBlob>();
        var problems = new List<MalformedDataException>();
        var cdBlobs = new List<(uint Slot, ReadOnlyMemory<byte> Bytes, long Offset)> { (CodeSigningSlot.CodeDirectory, primary, 0) };
        for (var slot = CodeSigningSlot.AlternateCodeDirectoryFirst; slot < CodeSigningSlot.AlternateCodeDirectoryLimit; slot++)
        {
            if (readFile(DetachedFileName(slot)) is not { } alternate)
            {
                break;
            }

            components[slot] = alternate;
            cdBlobs.Add((slot, alternate, 0));
        }

        for (var slot = CodeSigningSlot.Requirements; slot <= CodeSigningSlot.MaxSpecialSlot; slot++)
        {
            if (slot == CodeSigningSlot.ResourceDirectory || readFile(DetachedFileName(slot)) is not { } bytes)
            {
                continue; // CodeResources is supplied by the bundle context, like Info.plist.
            }

            components[slot] = bytes;
            if (CodeSigningSlot.IsBlobSlot(slot))
            {
                try
                {
                    blobs.Add(CodeSigningBlob.Create(bytes, 0));
                }
                catch (MalformedDataException e)
                {
                    problems.Add(e);
                }
            }
        }

        // Not a conditional expression: `null` would convert to ReadOnlyMemory<byte> through byte[] and read as empty.
        ReadOnlyMemory<byte>? cms = null;
        if (readFile(DetachedFileName(CodeSigningSlot.Signature)) is { } cmsBytes)
        {
            cms = cmsBytes;
        }
        return new CodeSignature(null, ParseCodeDirectories(cdBlobs, problems), components, blobs, cms, problems);
    }

    /// <summary>The <c>_CodeSignature/</c> file name of a slot (SEC codedirectory.cpp <c>canonicalSlotName</c>).</summary>
    public static string DetachedFileName(uint slot) => slot switch
    {
        CodeSigningSlot.CodeDirectory => "CodeDirectory",
        CodeSigningSlot.Signature => "CodeSignature",
        CodeSigningSlot.Requirements => "CodeRequirements",
        CodeSigningSlot.ResourceDirectory => "CodeResources",
        CodeSigningSlot.TopDirectory => "CodeTopDirectory",
        CodeSigningSlot.Entitlements => "CodeEntitlements",
        CodeSigningSlot.RepSpecific => "CodeRepSpecific",
        CodeSigningSlot.EntitlementsDer => "CodeEntitlementDER",
        CodeSigningSlot.LaunchConstraintSelf => "LaunchConstraintSelf",
        CodeSigningSlot.LaunchConstraintParent => "LaunchConstraintParent",
        CodeSigningSlot.LaunchConstraintResponsible => "LaunchConstraintResponsible",
        CodeSigningSlot.LibraryConstraint => "LibraryConstraint",
        // Sic: SEC names alternate CodeDirectories "CodeRequirements-N".
        >= CodeSigningSlot.AlternateCodeDirectoryFirst and < CodeSigningSlot.AlternateCodeDirectoryLimit =>
            $"CodeRequirements-{slot - CodeSigningSlot.AlternateCodeDirectoryFirst + 1}",
        _ => throw new ArgumentOutOfRangeException(nameof(slot), slot, "slot has no detached file name"),
    };

    private static IEnumerable<uint> CodeDirectorySlots()
    {
        yield return CodeSigningSlot.CodeDirectory;
        for (var slot = CodeSigningSlot.AlternateCodeDirectoryFirst; slot < CodeSigningSlot.AlternateCodeDirectoryLimit; slot++)
        {
            yield return slot;
        }
    }

    private static List<CodeDirectoryEntry> ParseCodeDirectories(
        List<(uint Slot, ReadOnlyMemory<byte> Bytes, long Offset)> blobs, List<MalformedDataException> problems)
    {
        var result = new List<CodeDirectoryEntry>();
        foreach (var (slot, bytes, offset) in blobs)
        {
            try
            {
                var length = bytes.Length >= 8 ? System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes.Span[4..]) : 0;
                var exact = length >= 8 && length <= (uint)bytes.Length ? bytes[..(int)length] : bytes;
                var cd = CodeDirectory.Parse(exact, offset);
                if (result.Any(r => r.Directory.HashType == cd.HashType))
                {
                    // SEC errSecCSSignatureInvalid / XNU EBADEXEC: two CodeDirectories with one hash type.
                    problems.Add(new MalformedDataException(MalformedDataReason.Duplicate, offset, "CodeDirectory",
                        $"{CodeSigningSlot.Name(slot)} repeats hash type {CodeHashing.Name(cd.HashType)}"));
                    continue;
                }

                result.Add(new CodeDirectoryEntry(slot, cd));
            }
            catch (MalformedDataException e)
            {
                problems.Add(e);
            }
        }

        return result;
    }
}

/// <summary>A CodeDirectory and the slot it came from (0 or 0x1000…0x1004).</summary>
public sealed record CodeDirectoryEntry(uint Slot, CodeDirectory Directory);
