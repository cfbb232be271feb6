namespace SigWatch.Core.MachO;

/// <summary>A segment load command. Offsets are relative to the start of the slice (as in the file).</summary>
public sealed record MachSegment(string Name, ulong VmAddress, ulong VmSize, ulong FileOffset, ulong FileSize,
    IReadOnlyList<MachSection> Sections);

/// <summary>A section of a segment. <see cref="Offset"/> is relative to the start of the slice.</summary>
public sealed record MachSection(string SegmentName, string SectionName, ulong Size, uint Offset);

/// <summary>
/// <c>linkedit_data_command</c> of <c>LC_CODE_SIGNATURE</c>: <c>dataoff</c> is counted from the start of the
/// slice, not the file (reference §1.4).
/// </summary>
public readonly record struct CodeSignatureCommand(uint DataOffset, uint DataSize, long CommandOffset);

/// <summary>One load command as found: its number, size and where it starts inside the slice.</summary>
public readonly record struct LoadCommandInfo(uint Command, uint Size, int SliceOffset);

/// <summary>Where an image's contents end (slice-relative) and which load command says so.</summary>
public readonly record struct ImageExtent(string Source, ulong End);
