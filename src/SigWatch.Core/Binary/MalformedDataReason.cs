namespace SigWatch.Core.Binary;

/// <summary>
/// Why a structure could not be read. Each member names one rule the input broke, so metrics can count
/// reasons and tests can assert them (the style of HostModel's <c>MachOFormatError</c>).
/// </summary>
public enum MalformedDataReason
{
    /// <summary>A read needed more bytes than the structure (or file) has.</summary>
    Truncated,

    /// <summary>The magic number is not one this structure may start with.</summary>
    BadMagic,

    /// <summary>An offset plus a size overflows or points past its container.</summary>
    OffsetOutOfRange,

    /// <summary>A count cannot fit in the bytes that remain (checked before allocating).</summary>
    CountExceedsRemainingBytes,

    /// <summary>A count is above a hard limit (e.g. more than 100 fat architectures, as in SEC macho++.cpp).</summary>
    CountExceedsLimit,

    /// <summary>A child blob's self-reported length is larger than the span its container gives it.</summary>
    BlobLengthExceedsContainer,

    /// <summary>A length field is smaller than the header it must include.</summary>
    LengthTooSmall,

    /// <summary>Load commands overrun <c>sizeofcmds</c> or a command's <c>cmdsize</c> is invalid.</summary>
    LoadCommandOutOfRange,

    /// <summary>A string is not NUL-terminated inside its structure.</summary>
    UnterminatedString,

    /// <summary>Two structures overlap where the format forbids it (e.g. two fat slices at one offset).</summary>
    Overlap,

    /// <summary>A field holds a value the format does not allow (e.g. CodeDirectory hashSize ≠ hashType size).</summary>
    InvalidFieldValue,

    /// <summary>The version is outside the range the reader supports.</summary>
    UnsupportedVersion,

    /// <summary>The same element appears twice where it must be unique (e.g. two LC_CODE_SIGNATURE).</summary>
    Duplicate,
}
