using SigWatch.Core.CodeSigning;

namespace SigWatch.Core.Verification;

/// <summary>Outcome of one bound special slot of one CodeDirectory.</summary>
public enum SpecialSlotStatus
{
    Valid,
    Mismatch,
    Missing,
    Unchecked,
}

public sealed record SpecialSlotResult(uint Slot, CodeHashType HashType, SpecialSlotStatus Status, string? Source)
{
    public string SlotName => CodeSigningSlot.Name(Slot);
}

/// <summary>
/// Checks the special slots of a CodeDirectory (reference §5): for each slot whose hash is present (non-zero and
/// within <c>nSpecialSlots</c>), hash the exact component bytes and compare. Components come from the signature
/// (requirements, entitlements, constraints, top directory) or from the <see cref="ISpecialSlotSource"/> (Info.plist,
/// CodeResources). A component the context cannot supply is "unchecked", never valid.
/// </summary>
public static class SpecialSlotVerifier
{
    public static List<SpecialSlotResult> Verify(CodeDirectory cd, CodeSignature signature, ISpecialSlotSource source,
        string architecture, string? path, List<Finding> findings)
    {
        var results = new List<SpecialSlotResult>();
        if (!cd.CanCheckHashes)
        {
            return results;
        }

        Span<byte> digest = stackalloc byte[64];
        for (var slot = 1u; slot <= cd.SpecialSlotCount; slot++)
        {
            if (!cd.HasSpecialSlot(slot))
            {
                continue;
            }

            var name = CodeSigningSlot.Name(slot);
            SpecialSlotContent content;
            if (slot is CodeSigningSlot.InfoPlist or CodeSigningSlot.ResourceDirectory)
            {
                content = source.GetComponent(slot);
            }
            else if (slot > CodeSigningSlot.MaxSpecialSlot)
            {
                content = SpecialSlotContent.Unavailable($"slot -{slot} is newer than this reader knows");
            }
            else if (signature.TryGetComponent(slot, out var bytes))
            {
                content = SpecialSlotContent.Present(bytes, "signature");
            }
            else if (slot == CodeSigningSlot.RepSpecific)
            {
                // Format-specific (a disk image's UDIF trailer): only the context that read the container can supply it.
                content = source.GetComponent(slot) is { Availability: not SpecialSlotAvailability.Unavailable } supplied
                    ? supplied
                    : SpecialSlotContent.Unavailable("format-specific component (e.g. a disk image header)");
            }
            else
            {
                content = SpecialSlotContent.Missing("signature");
            }

            switch (content.Availability)
            {
                case SpecialSlotAvailability.Present:
                    var d = digest[..CodeHashing.DigestSize(cd.HashType)];
                    CodeHashing.HashData(cd.HashType, content.Bytes.Span, d);
                    if (d[..cd.HashSize].SequenceEqual(cd.GetSlotHash(-(int)slot)))
                    {
                        results.Add(new SpecialSlotResult(slot, cd.HashType, SpecialSlotStatus.Valid, content.Source));
                    }
                    else
                    {
                        results.Add(new SpecialSlotResult(slot, cd.HashType, SpecialSlotStatus.Mismatch, content.Source));
                        findings.Add(new Finding(FindingKind.SpecialSlotMismatch, FindingSeverity.Error,
                            $"{name} (slot -{slot}, from {content.Source}) does not match {PageHashVerifier.Describe(cd)}",
                            path, architecture) { Slot = slot });
                    }

                    break;
                case SpecialSlotAvailability.Missing:
                    results.Add(new SpecialSlotResult(slot, cd.HashType, SpecialSlotStatus.Missing, content.Source));
                    findings.Add(new Finding(FindingKind.SpecialSlotMissing, FindingSeverity.Error,
                        $"{name} (slot -{slot}) is bound by {PageHashVerifier.Describe(cd)} but absent from the {content.Source}",
                        path, architecture) { Slot = slot });
                    break;
                default:
                    results.Add(new SpecialSlotResult(slot, cd.HashType, SpecialSlotStatus.Unchecked, content.Source));
                    findings.Add(new Finding(FindingKind.SpecialSlotUnchecked, FindingSeverity.Warning,
                        $"{name} (slot -{slot}) is bound by {PageHashVerifier.Describe(cd)} but was not checked: {content.Source}",
                        path, architecture) { Slot = slot });
                    break;
            }
        }

        return results;
    }
}
