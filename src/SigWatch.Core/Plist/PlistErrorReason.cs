namespace SigWatch.Core.Plist;

/// <summary>Why a property list was rejected. Stable names: metrics and tests key on them.</summary>
public enum PlistErrorReason
{
    /// <summary>The bytes start with neither <c>bplist00</c> nor an XML declaration/element.</summary>
    UnknownFormat,
    /// <summary>A binary plist of another version (<c>bplist15</c>, <c>bplist16</c>, ...) or an OpenStep-style text plist.</summary>
    UnsupportedFormat,
    /// <summary>The input is larger than <see cref="PlistReaderOptions.MaxDocumentBytes"/>.</summary>
    DocumentTooLarge,
    /// <summary>Containers nest deeper than <see cref="PlistReaderOptions.MaxDepth"/>.</summary>
    DepthLimitExceeded,
    /// <summary>More objects/elements than <see cref="PlistReaderOptions.MaxObjects"/>.</summary>
    ObjectLimitExceeded,
    /// <summary>The XML is not well-formed, or uses an undeclared entity (DTDs are never processed).</summary>
    MalformedXml,
    /// <summary>An element that is not a plist element, or one in a place the plist grammar does not allow.</summary>
    UnexpectedElement,
    /// <summary>Text where only whitespace is allowed, or content after the root value.</summary>
    UnexpectedContent,
    /// <summary>The document has no value inside <c>&lt;plist&gt;</c>.</summary>
    MissingValue,
    /// <summary>A <c>&lt;key&gt;</c> is not followed by a value, or a dictionary entry has no key.</summary>
    KeyWithoutValue,
    /// <summary>A dictionary holds the same key twice (rejected on purpose; see <see cref="PlistDictionary"/>).</summary>
    DuplicateKey,
    /// <summary>An <c>&lt;integer&gt;</c> is not a decimal (or 0x hex) integer.</summary>
    InvalidInteger,
    /// <summary>An integer lies outside [-2^63, 2^64-1].</summary>
    IntegerOutOfRange,
    /// <summary>A <c>&lt;real&gt;</c> is not a number, or a binary real has a width other than 4 or 8.</summary>
    InvalidReal,
    /// <summary>A <c>&lt;date&gt;</c> is not <c>YYYY-MM-DDTHH:MM:SSZ</c>, or a binary date is NaN/outside years 1-9999.</summary>
    InvalidDate,
    /// <summary><c>&lt;data&gt;</c> is not valid base64.</summary>
    InvalidBase64,
    /// <summary>A string that is not valid ASCII (0x5n), UTF-16 (0x6n) or UTF-8 (0x7n).</summary>
    InvalidString,
    /// <summary>The binary trailer is missing or holds impossible sizes, counts or offsets.</summary>
    InvalidTrailer,
    /// <summary>The offset table lies outside the file or overlaps the header or trailer.</summary>
    OffsetTableOutOfBounds,
    /// <summary>An object offset points outside the object area [8, offset table).</summary>
    ObjectOffsetOutOfBounds,
    /// <summary>An object reference is not below the trailer's object count.</summary>
    ObjectReferenceOutOfBounds,
    /// <summary>A container refers to itself directly or through its descendants.</summary>
    ReferenceCycle,
    /// <summary>An object runs past the end of the object area.</summary>
    Truncated,
    /// <summary>An object marker byte that bplist00 does not define (or an unsupported width for it).</summary>
    UnknownObjectMarker,
    /// <summary>A defined object this reader does not accept in a property list (null 0x00, fill 0x0F).</summary>
    UnsupportedObject,
    /// <summary>A length or count that is malformed or cannot fit in the remaining bytes.</summary>
    InvalidLength,
    /// <summary>A binary dictionary key that is not a string.</summary>
    InvalidKey,
}
