using SigWatch.Core.Quarantine;

namespace SigWatch.Fuzz;

/// <summary>Fuzz target: the com.apple.quarantine value parser must turn any bytes into a record, never throw.</summary>
public static class QuarantineTargets
{
    public static void ParseValue(ReadOnlySpan<byte> data)
    {
        var info = QuarantineInfo.Parse(data);
        _ = info.NamedFlags;
        _ = info.UserApproved;
        _ = new QuarantineStory { Quarantine = info }.Describe();
    }
}
