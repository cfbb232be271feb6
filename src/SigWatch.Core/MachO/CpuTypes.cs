namespace SigWatch.Core.MachO;

/// <summary>CPU type constants and the names codesign/lipo print for them (XNU <c>osfmk/mach/machine.h</c>; reference §1.3).</summary>
public static class CpuTypes
{
    public const int CPU_ARCH_ABI64 = 0x01000000;
    public const int CPU_ARCH_ABI64_32 = 0x02000000;
    public const int CPU_TYPE_X86 = 7;
    public const int CPU_TYPE_X86_64 = CPU_TYPE_X86 | CPU_ARCH_ABI64;
    public const int CPU_TYPE_ARM = 12;
    public const int CPU_TYPE_ARM64 = CPU_TYPE_ARM | CPU_ARCH_ABI64;
    public const int CPU_TYPE_ARM64_32 = CPU_TYPE_ARM | CPU_ARCH_ABI64_32;
    public const int CPU_TYPE_POWERPC = 18;
    public const int CPU_TYPE_POWERPC64 = CPU_TYPE_POWERPC | CPU_ARCH_ABI64;

    /// <summary>Feature bits in the top byte of the subtype (e.g. the arm64e PTRAUTH ABI bit).</summary>
    public const int CPU_SUBTYPE_MASK = unchecked((int)0xFF000000);
    public const int CPU_SUBTYPE_ARM64E = 2;

    /// <summary>The architecture name as lipo and codesign print it; unknown types keep their numbers.</summary>
    public static string Name(int cpuType, int cpuSubType)
    {
        var subtype = cpuSubType & ~CPU_SUBTYPE_MASK;
        return cpuType switch
        {
            CPU_TYPE_X86 => "i386",
            CPU_TYPE_X86_64 => subtype == 8 ? "x86_64h" : "x86_64",
            CPU_TYPE_ARM64 => subtype == CPU_SUBTYPE_ARM64E ? "arm64e" : "arm64",
            CPU_TYPE_ARM64_32 => "arm64_32",
            CPU_TYPE_ARM => subtype switch
            {
                6 => "armv6",
                9 => "armv7",
                11 => "armv7s",
                12 => "armv7k",
                _ => "arm",
            },
            CPU_TYPE_POWERPC => "ppc",
            CPU_TYPE_POWERPC64 => "ppc64",
            _ => $"cpu-0x{cpuType:x}-0x{cpuSubType:x}",
        };
    }
}
