using System.Diagnostics.CodeAnalysis;

namespace SigWatch.Core.Binary;

/// <summary>
/// All throws for malformed input go through here so the callers stay small enough to inline
/// (the pattern of System.Reflection.Metadata's <c>Throw</c> class).
/// </summary>
internal static class ThrowHelper
{
    [DoesNotReturn]
    public static void Malformed(MalformedDataReason reason, long offset, string structure, string? detail = null) =>
        throw new MalformedDataException(reason, offset, structure, detail);

    [DoesNotReturn]
    public static T Malformed<T>(MalformedDataReason reason, long offset, string structure, string? detail = null) =>
        throw new MalformedDataException(reason, offset, structure, detail);
}
