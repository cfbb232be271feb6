using SigWatch.Core.CodeSigning;
using SigWatch.Core.MachO;

namespace SigWatch.TestSupport.Builders;

/// <summary>
/// Builds a thin Mach-O image that is ad-hoc signed by default: __TEXT (with __text and an optional
/// __info_plist), __LINKEDIT ending with the signature, LC_BUILD_VERSION, LC_UUID and LC_CODE_SIGNATURE.
/// The signer computes real page hashes over <c>[0, dataoff)</c> and real special-slot hashes (reference §4, §5),
/// so the result verifies as valid until a test corrupts one field or byte.
/// </summary>
public sealed class MachOBuilder
{
    private const int TextAlignment = 4096;
    private byte[]? _infoPlist;
    private string? _entitlements;
    private byte[]? _resourceDirectoryHashSource;
    private byte[]? _cms = [];
    private bool _signed = true;
    private CodeHashType[] _hashTypes = [CodeHashType.Sha256];
    private (uint Offset, uint Size)? _codeSignatureOverride;
    private Action<CodeDirectoryBuilder>? _configureDirectory;

    public int CpuType { get; set; } = CpuTypes.CPU_TYPE_ARM64;

    public int CpuSubType { get; set; }

    public bool Is64Bit { get; set; } = true;

    public bool BigEndian { get; set; }

    public uint FileType { get; set; } = MachConstants.MH_EXECUTE;

    public int CodeSize { get; set; } = 3 * 4096 + 123;

    public int Seed { get; set; } = 1;

    public MachPlatform? Platform { get; set; } = MachPlatform.MacOS;

    public string Identifier { get; set; } = "com.example.test";

    public string? TeamId { get; set; }

    public CodeDirectoryFlags Flags { get; set; } = CodeDirectoryFlags.AdHoc;

    public byte PageSizeLog2 { get; set; } = 12;

    public uint Version { get; set; } = CodeDirectoryLayout.SupportsExecSegment;

    /// <summary>Signs only <c>dataoff − CodeLimitShortfall</c> bytes, leaving that many bytes before the signature unhashed.</summary>
    public int CodeLimitShortfall { get; set; }

    public MachOBuilder Unsigned()
    {
        _signed = false;
        return this;
    }

    public MachOBuilder WithHashTypes(params CodeHashType[] types)
    {
        _hashTypes = types;
        return this;
    }

    public MachOBuilder WithInfoPlist(byte[] plist)
    {
        _infoPlist = plist;
        return this;
    }

    public MachOBuilder WithEntitlements(string xml)
    {
        _entitlements = xml;
        return this;
    }

    /// <summary>Binds a CodeResources file by hash, as a bundle's main executable would (a bare binary cannot supply it).</summary>
    public MachOBuilder WithResourceDirectory(byte[] codeResources)
    {
        _resourceDirectoryHashSource = codeResources;
        return this;
    }

    /// <summary>Replaces the empty (ad-hoc) CMS payload; null removes the signature slot altogether.</summary>
    public MachOBuilder WithCms(byte[]? cms)
    {
        _cms = cms;
        return this;
    }

    /// <summary>Writes these values into LC_CODE_SIGNATURE instead of the real ones (hostile input).</summary>
    public MachOBuilder WithCodeSignatureCommand(uint dataOffset, uint dataSize)
    {
        _codeSignatureOverride = (dataOffset, dataSize);
        return this;
    }

    public MachOBuilder ConfigureCodeDirectory(Action<CodeDirectoryBuilder> configure)
    {
        _configureDirectory += configure;
        return this;
    }

    public byte[] Build()
    {
        var segmentSize = Is64Bit ? MachConstants.SegmentCommand64Size : MachConstants.SegmentCommandSize;
        var sectionSize = Is64Bit ? MachConstants.Section64Size : MachConstants.SectionSize;
        var textSections = _infoPlist is null ? 1 : 2;
        var commands = new List<int> { segmentSize + (textSections * sectionSize), segmentSize };
        if (Platform is not null)
        {
            commands.Add(24);
        }

        commands.Add(24); // LC_UUID
        if (_signed)
        {
            commands.Add(MachConstants.LinkeditDataCommandSize);
        }

        var headerSize = Is64Bit ? MachConstants.MachHeader64Size : MachConstants.MachHeaderSize;
        var sizeofcmds = commands.Sum();
        var textStart = Align(headerSize + sizeofcmds, 16);
        var plistStart = textStart + CodeSize;
        var textEnd = Align(plistStart + (_infoPlist?.Length ?? 0), TextAlignment);
        var linkeditContent = 64;
        var dataoff = Align(textEnd + linkeditContent, 16);

        var directories = _hashTypes.Select(CreateDirectoryBuilder).ToList();
        var requirements = SuperBlobBuilder.EmptyRequirements();
        var entitlements = _entitlements is null ? null : SuperBlobBuilder.Blob(CodeSigningMagic.Entitlements, System.Text.Encoding.UTF8.GetBytes(_entitlements));
        foreach (var d in directories)
        {
            d.ExecSegmentLimit = (ulong)textEnd;
            d.ExecSegmentFlags = FileType == MachConstants.MH_EXECUTE ? 1u : 0u;
            d.WithSpecialSlot(CodeSigningSlot.Requirements, requirements);
            if (entitlements is not null)
            {
                d.WithSpecialSlot(CodeSigningSlot.Entitlements, entitlements);
            }

            if (_infoPlist is not null)
            {
                d.WithSpecialSlot(CodeSigningSlot.InfoPlist, _infoPlist);
            }

            if (_resourceDirectoryHashSource is not null)
            {
                d.WithSpecialSlot(CodeSigningSlot.ResourceDirectory, _resourceDirectoryHashSource);
            }

            _configureDirectory?.Invoke(d);
        }

        var signatureSize = 0;
        if (_signed)
        {
            signatureSize = SuperBlob.HeaderSize + directories.Sum(d => SuperBlob.IndexEntrySize + d.SizeFor(dataoff - CodeLimitShortfall))
                + SuperBlob.IndexEntrySize + requirements.Length
                + (entitlements is null ? 0 : SuperBlob.IndexEntrySize + entitlements.Length)
                + (_cms is null ? 0 : SuperBlob.IndexEntrySize + 8 + _cms.Length);
        }

        var datasize = Align(signatureSize, 16) + (_signed ? 16 : 0);
        var fileEnd = _signed ? dataoff + datasize : dataoff;

        var w = new ByteWriter(BigEndian);
        w.U32(Is64Bit ? MachConstants.MH_MAGIC_64 : MachConstants.MH_MAGIC);
        w.U32((uint)CpuType);
        w.U32((uint)CpuSubType);
        w.U32(FileType);
        w.U32((uint)commands.Count);
        w.U32((uint)sizeofcmds);
        w.U32(0x00200085);
        if (Is64Bit)
        {
            w.U32(0);
        }

        WriteSegment(w, "__TEXT", 0, (ulong)textEnd, textSections, sectionSize,
            [("__text", (uint)textStart, (ulong)CodeSize), ("__info_plist", (uint)plistStart, (ulong)(_infoPlist?.Length ?? 0))]);
        WriteSegment(w, "__LINKEDIT", (ulong)textEnd, (ulong)(fileEnd - textEnd), 0, sectionSize, []);
        if (Platform is { } platform)
        {
            w.U32(MachConstants.LC_BUILD_VERSION);
            w.U32(24);
            w.U32((uint)platform);
            w.U32(0x000E0000); // minos 14.0
            w.U32(0x000F0000); // sdk 15.0
            w.U32(0);
        }

        w.U32(MachConstants.LC_UUID);
        w.U32(24);
        w.Bytes(Guid.Parse($"00000000-0000-0000-0000-{Seed:x12}").ToByteArray());
        if (_signed)
        {
            var (off, size) = _codeSignatureOverride ?? ((uint)dataoff, (uint)datasize);
            w.U32(MachConstants.LC_CODE_SIGNATURE);
            w.U32(MachConstants.LinkeditDataCommandSize);
            w.U32(off);
            w.U32(size);
        }

        w.PadTo(textStart);
        var random = new Random(Seed);
        var code = new byte[CodeSize];
        random.NextBytes(code);
        w.Bytes(code);
        if (_infoPlist is not null)
        {
            w.Bytes(_infoPlist);
        }

        w.PadTo(textEnd);
        var linkedit = new byte[linkeditContent];
        random.NextBytes(linkedit);
        w.Bytes(linkedit);
        w.PadTo(dataoff);
        if (!_signed)
        {
            return w.ToArray();
        }

        var unsignedPart = w.ToArray();
        var superBlob = new SuperBlobBuilder();
        for (var i = 0; i < directories.Count; i++)
        {
            superBlob.Add(i == 0 ? CodeSigningSlot.CodeDirectory : CodeSigningSlot.AlternateCodeDirectoryFirst + (uint)(i - 1),
                directories[i].Build(unsignedPart.AsSpan(0, dataoff - CodeLimitShortfall)));
        }

        superBlob.Add(CodeSigningSlot.Requirements, requirements);
        if (entitlements is not null)
        {
            superBlob.Add(CodeSigningSlot.Entitlements, entitlements);
        }

        if (_cms is not null)
        {
            superBlob.Add(CodeSigningSlot.Signature, SuperBlobBuilder.Wrapper(_cms));
        }

        var signature = superBlob.Build();
        var result = new byte[fileEnd];
        unsignedPart.CopyTo(result, 0);
        signature.CopyTo(result, dataoff);
        return result;
    }

    private CodeDirectoryBuilder CreateDirectoryBuilder(CodeHashType type) => new()
    {
        HashType = type,
        Identifier = Identifier,
        TeamId = TeamId,
        Flags = Flags,
        PageSizeLog2 = PageSizeLog2,
        Version = TeamId is not null && Version < CodeDirectoryLayout.SupportsTeamId ? CodeDirectoryLayout.SupportsTeamId : Version,
    };

    private void WriteSegment(ByteWriter w, string name, ulong fileOffset, ulong fileSize, int sectionCount, int sectionSize,
        (string Name, uint Offset, ulong Size)[] sections)
    {
        var segmentSize = Is64Bit ? MachConstants.SegmentCommand64Size : MachConstants.SegmentCommandSize;
        w.U32(Is64Bit ? MachConstants.LC_SEGMENT_64 : MachConstants.LC_SEGMENT);
        w.U32((uint)(segmentSize + (sectionCount * sectionSize)));
        w.FixedString(name, 16);
        if (Is64Bit)
        {
            w.U64(0x1_0000_0000UL + fileOffset);
            w.U64(fileSize);
            w.U64(fileOffset);
            w.U64(fileSize);
        }
        else
        {
            w.U32(0x1000 + (uint)fileOffset);
            w.U32((uint)fileSize);
            w.U32((uint)fileOffset);
            w.U32((uint)fileSize);
        }

        w.U32(5);
        w.U32(5);
        w.U32((uint)sectionCount);
        w.U32(0);
        for (var i = 0; i < sectionCount; i++)
        {
            var (sectName, offset, size) = sections[i];
            w.FixedString(sectName, 16);
            w.FixedString(name, 16);
            if (Is64Bit)
            {
                w.U64(0x1_0000_0000UL + offset);
                w.U64(size);
            }
            else
            {
                w.U32(0x1000 + offset);
                w.U32((uint)size);
            }

            w.U32(offset);
            w.Zeros(sectionSize - (Is64Bit ? 52 : 44));
        }
    }

    private static int Align(int value, int alignment) => (value + alignment - 1) / alignment * alignment;
}
