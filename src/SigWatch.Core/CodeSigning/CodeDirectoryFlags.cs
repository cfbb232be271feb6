namespace SigWatch.Core.CodeSigning;

/// <summary>
/// CodeDirectory <c>flags</c> (SEC <c>CSCommon.h</c> <c>kSecCodeSignature*</c>; XNU <c>cs_blobs.h</c>; reference §3.3).
/// The value is cast from the file without masking, so bits this version does not know survive and are named by value.
/// </summary>
[Flags]
public enum CodeDirectoryFlags : uint
{
    None = 0,
    Host = 0x0001,
    AdHoc = 0x0002,
    ForceHard = 0x0100,
    ForceKill = 0x0200,
    ForceExpiration = 0x0400,
    Restrict = 0x0800,
    Enforcement = 0x1000,
    LibraryValidation = 0x2000,
    Runtime = 0x10000,
    LinkerSigned = 0x20000,
}

public static class CodeDirectoryFlagNames
{
    private static readonly (CodeDirectoryFlags Flag, string Name)[] s_names =
    [
        (CodeDirectoryFlags.Host, "host"),
        (CodeDirectoryFlags.AdHoc, "adhoc"),
        (CodeDirectoryFlags.ForceHard, "hard"),
        (CodeDirectoryFlags.ForceKill, "kill"),
        (CodeDirectoryFlags.ForceExpiration, "expires"),
        (CodeDirectoryFlags.Restrict, "restrict"),
        (CodeDirectoryFlags.Enforcement, "enforcement"),
        (CodeDirectoryFlags.LibraryValidation, "library-validation"),
        (CodeDirectoryFlags.Runtime, "runtime"),
        (CodeDirectoryFlags.LinkerSigned, "linker-signed"),
    ];

    /// <summary>codesign's names for each set bit (its <c>-dvvv</c> spelling); unknown bits as <c>0x…</c>.</summary>
    public static IReadOnlyList<string> Describe(CodeDirectoryFlags flags)
    {
        var names = new List<string>();
        var rest = (uint)flags;
        foreach (var (flag, name) in s_names)
        {
            if ((rest & (uint)flag) != 0)
            {
                names.Add(name);
                rest &= ~(uint)flag;
            }
        }

        for (var bit = 0; bit < 32; bit++)
        {
            var value = 1u << bit;
            if ((rest & value) != 0)
            {
                names.Add($"0x{value:x}");
            }
        }

        return names;
    }
}
