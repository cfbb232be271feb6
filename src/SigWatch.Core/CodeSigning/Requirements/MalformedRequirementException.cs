namespace SigWatch.Core.CodeSigning.Requirements;

/// <summary>Why a requirement blob or requirements set could not be decoded.</summary>
public enum RequirementFormatError
{
    /// <summary>Fewer bytes than a field needs (a header, an operand, a length-prefixed datum or its padding).</summary>
    Truncated,

    /// <summary>The blob magic is not 0xFADE0C00 (requirement) or 0xFADE0C01 (requirements set).</summary>
    BadMagic,

    /// <summary>The blob's self-reported length is below its header size or beyond the bytes available.</summary>
    BadLength,

    /// <summary>The set's index count cannot fit in the set's length.</summary>
    CountExceedsLength,

    /// <summary>A set index entry points inside the index, or its blob runs past the end of the set.</summary>
    OffsetOutOfRange,

    /// <summary>An opcode without the generic flags that this version does not know (reqinterp.cpp: errSecCSUnimplemented).</summary>
    UnknownOpcode,

    /// <summary>Expressions nest deeper than Apple's interpreter allows (reqinterp.h <c>stackLimit</c>).</summary>
    NestingTooDeep,

    /// <summary><c>certificate N = H"…"</c> whose hash is not 20 bytes (reqreader.cpp <c>getSHA1</c>: errSecCSReqInvalid).</summary>
    BadHashLength,
}

/// <summary>
/// Malformed requirement data. Carries a typed <see cref="Reason"/> and the byte <see cref="Offset"/> (from the start
/// of the outermost blob being decoded) where the problem was detected.
/// </summary>
public sealed class MalformedRequirementException : FormatException
{
    public MalformedRequirementException(RequirementFormatError reason, int offset, string detail)
        : base($"malformed code requirement at offset {offset}: {reason}: {detail}")
    {
        Reason = reason;
        Offset = offset;
        Detail = detail;
    }

    public RequirementFormatError Reason { get; }

    public int Offset { get; }

    public string Detail { get; }
}
