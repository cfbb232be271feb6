using SigWatch.Core.Binary;

namespace SigWatch.Core.MachO;

/// <summary>
/// One thin Mach-O image (a whole thin file or one slice of a universal file), read from its header and
/// load commands. Offsets named <c>Slice…</c> are relative to the slice; <see cref="FileOffset"/> maps them to the file.
/// </summary>
public sealed class MachImage
{
    private const string HeaderStructure = "mach_header";
    private const string CommandStructure = "load_command";

    private MachImage(ReadOnlyMemory<byte> slice, long fileOffset)
    {
        Slice = slice;
        FileOffset = fileOffset;
    }

    /// <summary>The slice's bytes (from its mach_header to the end of the slice).</summary>
    public ReadOnlyMemory<byte> Slice { get; }

    /// <summary>Where the slice starts in the file (0 for a thin file).</summary>
    public long FileOffset { get; }

    public bool Is64Bit { get; private set; }

    /// <summary>True for the usual little-endian x86/arm files; false for big-endian ones such as PPC.</summary>
    public bool IsLittleEndian { get; private set; }

    public int CpuType { get; private set; }

    public int CpuSubType { get; private set; }

    public string Architecture => CpuTypes.Name(CpuType, CpuSubType);

    public uint FileType { get; private set; }

    public uint Flags { get; private set; }

    public IReadOnlyList<LoadCommandInfo> LoadCommands { get; private set; } = [];

    public IReadOnlyList<MachSegment> Segments { get; private set; } = [];

    /// <summary><c>LC_CODE_SIGNATURE</c>, or null when the slice has none (unsigned).</summary>
    public CodeSignatureCommand? CodeSignature { get; private set; }

    /// <summary>Platform from <c>LC_BUILD_VERSION</c> or <c>LC_VERSION_MIN_*</c>; null when neither is present.</summary>
    public MachPlatform? Platform { get; private set; }

    /// <summary>Minimum OS version packed as <c>(major&lt;&lt;16)|(minor&lt;&lt;8)|patch</c>; null without a platform command.</summary>
    public uint? MinimumOSVersion { get; private set; }

    public byte[]? Uuid { get; private set; }

    /// <summary>
    /// Where the image's linked contents end, as SEC's strict check reads it (macho++.cpp <c>MachO::validateStructure</c>):
    /// the end of the first <c>__LINKEDIT</c> segment or <c>LC_SYMTAB</c> string table, whichever load command comes
    /// first. Null when the image has neither. Under <c>--strict</c> this must equal the slice length.
    /// </summary>
    public ImageExtent? Extent { get; private set; }

    /// <summary>The <c>__TEXT</c> segment: the executable segment codesign records in CodeDirectory ≥ 0x20400 (§1.5).</summary>
    public MachSegment? TextSegment => Segments.FirstOrDefault(s => s.Name == "__TEXT");

    public MachSegment? LinkEditSegment => Segments.FirstOrDefault(s => s.Name == "__LINKEDIT");

    /// <summary>The <c>__TEXT,__info_plist</c> section of a standalone tool: what its Info special slot hashes (§5).</summary>
    public MachSection? InfoPlistSection =>
        TextSegment?.Sections.FirstOrDefault(s => s.SectionName == "__info_plist");

    /// <summary>True if the bytes begin with a thin Mach-O magic in either byte order and either word size.</summary>
    public static bool HasMachMagic(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 4)
        {
            return false;
        }

        var magic = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(bytes);
        return magic is MachConstants.MH_MAGIC or MachConstants.MH_CIGAM or MachConstants.MH_MAGIC_64 or MachConstants.MH_CIGAM_64;
    }

    /// <summary>Reads a thin image. Throws <see cref="MalformedDataException"/> with the absolute offset on bad input.</summary>
    public static MachImage Read(ReadOnlyMemory<byte> slice, long fileOffset = 0)
    {
        var image = new MachImage(slice, fileOffset);
        image.Parse();
        return image;
    }

    /// <summary>
    /// Gets the signature bytes (<c>datasize</c> bytes at <c>dataoff</c>). Returns false when the slice has no
    /// <c>LC_CODE_SIGNATURE</c> (unsigned, which is not an error). A range that runs past the end of the slice (a
    /// truncated file) yields the bytes that are there and <paramref name="missing"/> &gt; 0: SEC reads only the
    /// SuperBlob's own length (blob.cpp <c>readBlob</c>), so a cut in the padding alone does not break the signature.
    /// Throws <see cref="MalformedDataException"/> when the range starts at or past the end of the slice, or when
    /// <c>datasize</c> cannot hold even a SuperBlob header.
    /// </summary>
    public bool TryGetCodeSignature(out ReadOnlyMemory<byte> signature, out long missing)
    {
        signature = default;
        missing = 0;
        if (CodeSignature is not { } command)
        {
            return false;
        }

        if (command.DataSize < 12)
        {
            ThrowHelper.Malformed(MalformedDataReason.LengthTooSmall, command.CommandOffset, "LC_CODE_SIGNATURE",
                $"datasize {command.DataSize} cannot hold a SuperBlob (signature data missing)");
        }

        if (command.DataOffset >= (ulong)Slice.Length)
        {
            ThrowHelper.Malformed(MalformedDataReason.OffsetOutOfRange, command.CommandOffset, "LC_CODE_SIGNATURE",
                $"dataoff 0x{command.DataOffset:x} is at or past the end of the slice (0x{Slice.Length:x} bytes): the signature data is missing");
        }

        // ulong arithmetic: dataoff + datasize cannot wrap.
        var end = (ulong)command.DataOffset + command.DataSize;
        missing = end > (ulong)Slice.Length ? (long)(end - (ulong)Slice.Length) : 0;
        signature = Slice.Slice((int)command.DataOffset, (int)(command.DataSize - missing));
        return true;
    }

    /// <summary>As <see cref="TryGetCodeSignature(out ReadOnlyMemory{byte}, out long)"/>, but a range past the end of the slice is malformed.</summary>
    public bool TryGetCodeSignature(out ReadOnlyMemory<byte> signature)
    {
        if (!TryGetCodeSignature(out signature, out var missing))
        {
            return false;
        }

        if (missing > 0)
        {
            var command = CodeSignature!.Value;
            ThrowHelper.Malformed(MalformedDataReason.OffsetOutOfRange, command.CommandOffset, "LC_CODE_SIGNATURE",
                $"dataoff 0x{command.DataOffset:x} + datasize 0x{command.DataSize:x} exceeds slice size 0x{Slice.Length:x}");
        }

        return true;
    }

    private void Parse()
    {
        var span = Slice.Span;
        if (span.Length < 4)
        {
            ThrowHelper.Malformed(MalformedDataReason.Truncated, FileOffset, HeaderStructure, "shorter than a magic number");
        }

        var magic = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(span);
        (Is64Bit, IsLittleEndian) = magic switch
        {
            MachConstants.MH_MAGIC => (false, true),
            MachConstants.MH_MAGIC_64 => (true, true),
            MachConstants.MH_CIGAM => (false, false),
            MachConstants.MH_CIGAM_64 => (true, false),
            _ => ThrowHelper.Malformed<(bool, bool)>(MalformedDataReason.BadMagic, FileOffset, HeaderStructure, $"0x{magic:x8}"),
        };

        var reader = new SpanReader(span, bigEndian: !IsLittleEndian, HeaderStructure, FileOffset);
        reader.Skip(4);
        CpuType = reader.ReadInt32();
        CpuSubType = reader.ReadInt32();
        FileType = reader.ReadUInt32();
        var ncmds = reader.ReadUInt32();
        var sizeofcmds = reader.ReadUInt32();
        Flags = reader.ReadUInt32();
        if (Is64Bit)
        {
            reader.Skip(4); // reserved
        }

        var headerSize = reader.Position;
        if ((ulong)headerSize + sizeofcmds > (ulong)span.Length)
        {
            ThrowHelper.Malformed(MalformedDataReason.LoadCommandOutOfRange, FileOffset + 20, HeaderStructure,
                $"sizeofcmds 0x{sizeofcmds:x} exceeds the slice");
        }

        // Each command is at least 8 bytes, so more than sizeofcmds/8 commands cannot fit: check before looping.
        if (ncmds > sizeofcmds / MachConstants.LoadCommandHeaderSize)
        {
            ThrowHelper.Malformed(MalformedDataReason.CountExceedsRemainingBytes, FileOffset + 16, HeaderStructure,
                $"ncmds {ncmds} cannot fit in sizeofcmds {sizeofcmds}");
        }

        ParseLoadCommands(span.Slice(headerSize, (int)sizeofcmds), headerSize, (int)ncmds);
    }

    private void ParseLoadCommands(ReadOnlySpan<byte> commands, int commandsStart, int count)
    {
        var infos = new List<LoadCommandInfo>(count);
        var segments = new List<MachSegment>();
        var position = 0;
        for (var i = 0; i < count; i++)
        {
            var fileOffset = FileOffset + commandsStart + position;
            var header = new SpanReader(commands[position..], !IsLittleEndian, CommandStructure, fileOffset);
            var cmd = header.ReadUInt32();
            var cmdsize = header.ReadUInt32();
            if (cmdsize < MachConstants.LoadCommandHeaderSize || cmdsize > (uint)(commands.Length - position))
            {
                ThrowHelper.Malformed(MalformedDataReason.LoadCommandOutOfRange, fileOffset, CommandStructure,
                    $"command 0x{cmd:x} has cmdsize {cmdsize} with {commands.Length - position} bytes left in sizeofcmds");
            }

            var body = commands.Slice(position, (int)cmdsize);
            infos.Add(new LoadCommandInfo(cmd, cmdsize, commandsStart + position));
            var reader = new SpanReader(body, !IsLittleEndian, CommandName(cmd), fileOffset);
            reader.Skip(MachConstants.LoadCommandHeaderSize);
            switch (cmd)
            {
                case MachConstants.LC_SEGMENT:
                case MachConstants.LC_SEGMENT_64:
                    var segment = ReadSegment(ref reader, cmd == MachConstants.LC_SEGMENT_64);
                    segments.Add(segment);
                    if (segment.Name == "__LINKEDIT")
                    {
                        Extent ??= new ImageExtent("__LINKEDIT", segment.FileOffset + segment.FileSize);
                    }

                    break;
                case MachConstants.LC_SYMTAB:
                    reader.Skip(8); // symoff, nsyms
                    var stringTable = reader.ReadUInt32();
                    Extent ??= new ImageExtent("LC_SYMTAB string table", (ulong)stringTable + reader.ReadUInt32());
                    break;
                case MachConstants.LC_CODE_SIGNATURE:
                    if (CodeSignature is not null)
                    {
                        ThrowHelper.Malformed(MalformedDataReason.Duplicate, fileOffset, "LC_CODE_SIGNATURE",
                            "more than one code signature command");
                    }

                    CodeSignature = new CodeSignatureCommand(reader.ReadUInt32(), reader.ReadUInt32(), fileOffset);
                    break;
                case MachConstants.LC_BUILD_VERSION:
                    Platform ??= (MachPlatform)reader.ReadUInt32();
                    MinimumOSVersion ??= reader.ReadUInt32();
                    break;
                case MachConstants.LC_VERSION_MIN_MACOSX:
                case MachConstants.LC_VERSION_MIN_IPHONEOS:
                case MachConstants.LC_VERSION_MIN_TVOS:
                case MachConstants.LC_VERSION_MIN_WATCHOS:
                    Platform ??= cmd switch
                    {
                        MachConstants.LC_VERSION_MIN_MACOSX => MachPlatform.MacOS,
                        MachConstants.LC_VERSION_MIN_IPHONEOS => MachPlatform.IOS,
                        MachConstants.LC_VERSION_MIN_TVOS => MachPlatform.TvOS,
                        _ => MachPlatform.WatchOS,
                    };
                    MinimumOSVersion ??= reader.ReadUInt32();
                    break;
                case MachConstants.LC_UUID:
                    Uuid ??= reader.ReadSlice(16).ToArray();
                    break;
            }

            position += (int)cmdsize;
        }

        LoadCommands = infos;
        Segments = segments;
    }

    private static MachSegment ReadSegment(ref SpanReader reader, bool is64)
    {
        var name = reader.ReadFixedString(16);
        ulong vmaddr, vmsize, fileoff, filesize;
        if (is64)
        {
            vmaddr = reader.ReadUInt64();
            vmsize = reader.ReadUInt64();
            fileoff = reader.ReadUInt64();
            filesize = reader.ReadUInt64();
        }
        else
        {
            vmaddr = reader.ReadUInt32();
            vmsize = reader.ReadUInt32();
            fileoff = reader.ReadUInt32();
            filesize = reader.ReadUInt32();
        }

        reader.Skip(8); // maxprot, initprot
        var nsects = reader.ReadUInt32();
        reader.Skip(4); // flags
        var sectionSize = is64 ? MachConstants.Section64Size : MachConstants.SectionSize;
        if (nsects > (uint)(reader.Remaining / sectionSize))
        {
            ThrowHelper.Malformed(MalformedDataReason.CountExceedsRemainingBytes, reader.FileOffset - 8, "segment_command",
                $"nsects {nsects} cannot fit in cmdsize");
        }

        var sections = new MachSection[nsects];
        for (var i = 0; i < sections.Length; i++)
        {
            var sectName = reader.ReadFixedString(16);
            var segName = reader.ReadFixedString(16);
            reader.Skip(is64 ? 8 : 4); // addr
            var size = is64 ? reader.ReadUInt64() : reader.ReadUInt32();
            var offset = reader.ReadUInt32();
            reader.Skip(sectionSize - (is64 ? 52 : 44));
            sections[i] = new MachSection(segName, sectName, size, offset);
        }

        return new MachSegment(name, vmaddr, vmsize, fileoff, filesize, sections);
    }

    private static string CommandName(uint cmd) => cmd switch
    {
        MachConstants.LC_SEGMENT => "segment_command",
        MachConstants.LC_SEGMENT_64 => "segment_command_64",
        MachConstants.LC_CODE_SIGNATURE => "LC_CODE_SIGNATURE",
        MachConstants.LC_BUILD_VERSION => "build_version_command",
        MachConstants.LC_UUID => "uuid_command",
        _ => "load_command",
    };

    /// <summary>The raw bytes of the <c>__TEXT,__info_plist</c> section, if the section lies inside the slice.</summary>
    public bool TryGetInfoPlist(out ReadOnlyMemory<byte> bytes)
    {
        bytes = default;
        if (InfoPlistSection is not { } section || (ulong)section.Offset + section.Size > (ulong)Slice.Length)
        {
            return false;
        }

        bytes = Slice.Slice((int)section.Offset, (int)section.Size);
        return true;
    }
}
