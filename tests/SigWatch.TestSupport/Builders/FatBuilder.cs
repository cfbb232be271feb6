using SigWatch.Core.MachO;

namespace SigWatch.TestSupport.Builders;

/// <summary>
/// Builds a universal (fat or fat64) file from slices, each aligned to 2^align as lipo does. Entries can be given
/// hostile offsets and sizes with <see cref="WithArch"/>; the slice bytes are then not written.
/// </summary>
public sealed class FatBuilder
{
    private readonly List<(int Cpu, int SubType, byte[]? Bytes, ulong? Offset, ulong? Size, int Align)> _arches = [];
    private uint? _countOverride;

    public bool Fat64 { get; set; }

    public FatBuilder Add(byte[] slice, int cpuType, int cpuSubType = 0, int alignLog2 = 12)
    {
        _arches.Add((cpuType, cpuSubType, slice, null, null, alignLog2));
        return this;
    }

    public FatBuilder WithArch(ulong offset, ulong size, int cpuType = CpuTypes.CPU_TYPE_ARM64)
    {
        _arches.Add((cpuType, 0, null, offset, size, 12));
        return this;
    }

    public FatBuilder WithCount(uint count)
    {
        _countOverride = count;
        return this;
    }

    public byte[] Build()
    {
        var entrySize = Fat64 ? MachConstants.FatArch64Size : MachConstants.FatArchSize;
        var position = (ulong)(MachConstants.FatHeaderSize + (_arches.Count * entrySize));
        var placements = new List<(ulong Offset, ulong Size)>();
        foreach (var arch in _arches)
        {
            if (arch.Bytes is null)
            {
                placements.Add((arch.Offset!.Value, arch.Size!.Value));
                continue;
            }

            var alignment = 1UL << arch.Align;
            position = (position + alignment - 1) / alignment * alignment;
            placements.Add((position, (ulong)arch.Bytes.Length));
            position += (ulong)arch.Bytes.Length;
        }

        var w = new ByteWriter(bigEndian: true);
        w.U32(Fat64 ? MachConstants.FAT_MAGIC_64 : MachConstants.FAT_MAGIC);
        w.U32(_countOverride ?? (uint)_arches.Count);
        for (var i = 0; i < _arches.Count; i++)
        {
            w.U32((uint)_arches[i].Cpu);
            w.U32((uint)_arches[i].SubType);
            if (Fat64)
            {
                w.U64(placements[i].Offset);
                w.U64(placements[i].Size);
                w.U32((uint)_arches[i].Align);
                w.U32(0);
            }
            else
            {
                w.U32((uint)placements[i].Offset);
                w.U32((uint)placements[i].Size);
                w.U32((uint)_arches[i].Align);
            }
        }

        for (var i = 0; i < _arches.Count; i++)
        {
            if (_arches[i].Bytes is { } bytes)
            {
                w.PadTo((int)placements[i].Offset);
                w.Bytes(bytes);
            }
        }

        return w.ToArray();
    }
}
