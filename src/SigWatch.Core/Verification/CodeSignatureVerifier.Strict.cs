using SigWatch.Core.CodeSigning;
using SigWatch.Core.MachO;

namespace SigWatch.Core.Verification;

/// <summary>
/// The structure checks of <c>codesign --strict</c>, one implementation for bare files, bundle main executables and
/// nested code, thin and universal (SEC machorep.cpp <c>MachORep::strictValidate</c> → errSecCSBadMainExecutable;
/// singlediskrep.cpp <c>SingleDiskRep::strictValidate</c> → errSecCSSignatureInvalid).
/// </summary>
public sealed partial class CodeSignatureVerifier
{
    private const int MaxFatAlign = 30;

    private void CheckCodeLimits(MachImage image, IReadOnlyList<CodeDirectoryReport> cds, string path, string arch, List<Finding> findings)
    {
        var dataOffset = image.CodeSignature!.Value.DataOffset;
        foreach (var cd in cds.Select(c => c.Directory).Where(c => c.CanCheckHashes && c.CodeLimit != dataOffset))
        {
            // codesign sets codeLimit to LC_CODE_SIGNATURE.dataoff (reference §1.4); strict validation requires it
            // (SingleDiskRep::strictValidate compares it with signingLimit()). A shorter limit leaves bytes unhashed.
            var what = cd.CodeLimit < dataOffset
                ? $"{dataOffset - cd.CodeLimit} bytes before the signature are not hashed"
                : "the hashed range reaches into the signature";
            findings.Add(new Finding(FindingKind.MalformedSignature, _options.Strict ? FindingSeverity.Error : FindingSeverity.Warning,
                $"{PageHashVerifier.Describe(cd)} covers 0x{cd.CodeLimit:x} bytes but the signature starts at 0x{dataOffset:x}: {what}",
                path, arch, cd.FileOffset + CodeDirectoryLayout.CodeLimit));
        }
    }

    /// <summary>For a slice with LC_CODE_SIGNATURE, whether or not its signature could be read.</summary>
    private void CheckExtent(MachImage image, string path, string arch, List<Finding> findings)
    {
        if (!_options.Strict)
        {
            return;
        }

        // MachO::validateStructure: the first __LINKEDIT (or LC_SYMTAB string table) must end exactly at the end of the
        // slice. codesign grows __LINKEDIT to hold the signature, so bytes appended after signing, or a file cut short,
        // break this; the end of the signature blob itself is not what SEC compares.
        var length = (ulong)image.Slice.Length;
        var problem = image.Extent switch
        {
            null => "it has neither a __LINKEDIT segment nor an LC_SYMTAB that says where it ends",
            { End: var end } e when end < length => $"{length - end} bytes follow the end of its {e.Source} (0x{end:x}), which codesign placed the signature in",
            { End: var end } e when end > length => $"its {e.Source} ends at 0x{end:x}, {end - length} bytes past the end of the {(image.FileOffset == 0 ? "file" : "slice")}: the file was cut short",
            _ => null,
        };
        if (problem is not null)
        {
            findings.Add(new Finding(FindingKind.BadMainExecutable, FindingSeverity.Error,
                $"main executable failed strict validation: {problem}", path, arch));
        }
    }

    /// <summary>
    /// Universal::Universal: between slices (in offset order) only zero bytes, each gap after the first smaller than the
    /// next slice's alignment (align ≤ 30), and nothing after the slice with the highest offset.
    /// </summary>
    private static void CheckUniversalStructure(MachFile file, string path, List<Finding> findings)
    {
        var bytes = file.Bytes.Span;
        var entrySize = file.IsFat64 ? MachConstants.FatArch64Size : MachConstants.FatArchSize;
        var end = (ulong)(MachConstants.FatHeaderSize + (file.Slices.Count * entrySize));
        void Fail(string problem, string? arch = null) => findings.Add(new Finding(FindingKind.BadMainExecutable, FindingSeverity.Error,
            $"main executable failed strict validation: {problem}", path, arch));

        var first = true;
        foreach (var slice in file.Slices.OrderBy(s => s.Offset))
        {
            // MachFile.Read keeps every slice inside the file and rejects overlaps, but an empty slice may sit where
            // another starts.
            if (slice.Offset < end)
            {
                Fail($"the {slice.Architecture} slice starts at 0x{slice.Offset:x}, inside the previous slice or the header", slice.Architecture);
                end = Math.Max(end, slice.Offset + slice.Size);
                first = false;
                continue;
            }

            var gap = slice.Offset - end;
            if (!first && (slice.Align > MaxFatAlign || gap >= 1UL << (int)Math.Min(slice.Align, 63)))
            {
                Fail($"a gap of {gap} bytes before the {slice.Architecture} slice is not alignment padding (align 2^{slice.Align})", slice.Architecture);
            }

            if (bytes[(int)end..(int)slice.Offset].IndexOfAnyExcept((byte)0) is var at and >= 0)
            {
                Fail($"non-zero bytes between slices, at 0x{end + (ulong)at:x} before the {slice.Architecture} slice", slice.Architecture);
            }

            end = slice.Offset + slice.Size;
            first = false;
        }

        if (end < (ulong)bytes.Length)
        {
            Fail($"{(ulong)bytes.Length - end} bytes follow the last slice of the universal file");
        }
        else if (end > (ulong)bytes.Length)
        {
            Fail($"the last slice runs {end - (ulong)bytes.Length} bytes past the end of the file: the file was cut short");
        }
    }

    /// <summary>
    /// StaticCode.cpp <c>handleOtherArchitectures</c>: every slice is verified, and slices signed by different teams (or
    /// some with a team and some without) make the whole file invalid (errSecCSSignatureInvalid).
    /// </summary>
    private static void CheckSlicesAgree(IReadOnlyList<ArchitectureReport> architectures, string path, List<Finding> findings)
    {
        var teams = architectures.Where(a => a.Best is not null).Select(a => (a.Architecture, Team: a.Best!.TeamId)).ToList();
        if (teams.Select(t => t.Team).Distinct(StringComparer.Ordinal).Count() > 1)
        {
            findings.Add(new Finding(FindingKind.SlicesDisagree, FindingSeverity.Error,
                $"the slices are signed by different teams: {string.Join(", ", teams.Select(t => $"{t.Architecture} {t.Team ?? "(no team)"}"))}",
                path));
        }
    }
}
