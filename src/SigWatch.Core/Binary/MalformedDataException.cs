namespace SigWatch.Core.Binary;

/// <summary>
/// Thrown when input bytes break a format rule. Carries a typed <see cref="Reason"/>, the absolute
/// <see cref="Offset"/> in the file where the problem was seen, and the <see cref="Structure"/> being read.
/// Caller mistakes (null arguments, bad options) use the standard argument exceptions instead.
/// </summary>
public sealed class MalformedDataException : Exception
{
    public MalformedDataException(MalformedDataReason reason, long offset, string structure, string? detail = null)
        : base(FormatMessage(reason, offset, structure, detail))
    {
        Reason = reason;
        Offset = offset;
        Structure = structure;
        Detail = detail;
    }

    public MalformedDataReason Reason { get; }

    /// <summary>Absolute byte offset in the file (or in the buffer the reader was given, if it has no file).</summary>
    public long Offset { get; }

    /// <summary>The structure being read, e.g. <c>fat_arch</c>, <c>SuperBlob</c>, <c>CodeDirectory</c>.</summary>
    public string Structure { get; }

    public string? Detail { get; }

    private static string FormatMessage(MalformedDataReason reason, long offset, string structure, string? detail) =>
        detail is null
            ? $"{structure}: {reason} at offset 0x{offset:x}"
            : $"{structure}: {reason} at offset 0x{offset:x} ({detail})";
}
