namespace SigWatch.Core.Quarantine;

/// <summary>
/// How sure we are what a quarantine flag bit means. Apple's quarantine.h is private, so most
/// meanings come from Apple-authored SPI headers, Security's source, observation, or the community
/// (macos-integration.md §2.1). Anything below <see cref="AppleSource"/> is inferred.
/// </summary>
public enum FlagConfidence
{
    /// <summary>Name and value appear in Apple-authored source (e.g. WebKit's QuarantineSPI.h).</summary>
    AppleSource,

    /// <summary>Value observed consistently on real systems and in Apple's behaviour (Security source uses the symbol).</summary>
    Observed,

    /// <summary>From community headers and write-ups only.</summary>
    Community,

    /// <summary>Meaning or value not confirmed by any primary source.</summary>
    Unsure,
}

/// <summary>A named quarantine flag bit and how well its meaning is established.</summary>
public sealed record QuarantineFlag(ushort Bit, string Name, string Meaning, FlagConfidence Confidence);

/// <summary>The quarantine flag bits SigWatch names (macos-integration.md §2.1).</summary>
public static class QuarantineFlags
{
    public const ushort Download = 0x0001;
    public const ushort Sandbox = 0x0002;
    public const ushort Hard = 0x0004;
    public const ushort Unsigned = 0x0008;
    public const ushort RanBefore = 0x0020;
    public const ushort UserApproved = 0x0040;
    public const ushort Translocate = 0x0080;
    public const ushort DoNotTranslocate = 0x0100;

    public static IReadOnlyList<QuarantineFlag> Known { get; } =
    [
        new(Download, "download", "the item was downloaded", FlagConfidence.Community),
        new(Sandbox, "sandbox", "quarantined by a sandboxed process", FlagConfidence.AppleSource),
        // Security's policyengine.cpp rejects QTN_FLAG_HARD (errSecCSFileHardQuarantined); the value
        // 0x0004 itself is community knowledge.
        new(Hard, "hard", "hard quarantine: Gatekeeper refuses to run it (\"created without user consent\")", FlagConfidence.Unsure),
        new(Unsigned, "unsigned", "name seen in community headers only", FlagConfidence.Unsure),
        new(RanBefore, "ran-before", "older macOS set it after the first run", FlagConfidence.Unsure),
        // 0083 -> 00C3 after a first-run approval is widely observed; Security's
        // SecTranslocateUtilities.cpp isUserApproved tests the symbol.
        new(UserApproved, "user-approved", "Gatekeeper's first-run check passed and the user approved it", FlagConfidence.Observed),
        new(Translocate, "translocate", "eligible for App Translocation when run from where it was unpacked", FlagConfidence.Unsure),
        new(DoNotTranslocate, "do-not-translocate", "moved or copied by the Finder (runs in place)", FlagConfidence.Observed),
    ];

    /// <summary>The named bits set in <paramref name="flags"/>; bits we cannot name are returned as unknown-0xNNNN.</summary>
    public static IReadOnlyList<QuarantineFlag> Describe(ushort flags)
    {
        var result = new List<QuarantineFlag>();
        for (var bit = 0; bit < 16; bit++)
        {
            var mask = (ushort)(1 << bit);
            if ((flags & mask) == 0)
            {
                continue;
            }

            result.Add(Known.FirstOrDefault(f => f.Bit == mask)
                ?? new QuarantineFlag(mask, $"unknown-0x{mask:x4}", "not a bit SigWatch knows", FlagConfidence.Unsure));
        }

        return result;
    }
}
