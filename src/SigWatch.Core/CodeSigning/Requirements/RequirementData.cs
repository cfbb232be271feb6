using System.Text;

namespace SigWatch.Core.CodeSigning.Requirements;

/// <summary>
/// An opaque data operand of a requirement program (reqreader.cpp <c>getData</c>): strings, keys, hashes and OIDs
/// are all length-prefixed bytes. Bytes are kept exactly so that binary that is not UTF-8 still round-trips.
/// Equality is by content.
/// </summary>
public sealed class RequirementData : IEquatable<RequirementData>
{
    private readonly byte[] _bytes;

    public RequirementData(ReadOnlySpan<byte> bytes) => _bytes = bytes.ToArray();

    private RequirementData(byte[] owned) => _bytes = owned;

    public static RequirementData Empty { get; } = new(Array.Empty<byte>());

    /// <summary>The UTF-8 encoding of <paramref name="text"/> (how the parser and reqmaker.cpp store strings).</summary>
    public static RequirementData FromString(string text) => new(Encoding.UTF8.GetBytes(text));

    public ReadOnlySpan<byte> Span => _bytes;

    public int Length => _bytes.Length;

    /// <summary>The bytes as UTF-8 text; invalid sequences become U+FFFD (for display and comparisons only).</summary>
    public string Text => Encoding.UTF8.GetString(_bytes);

    /// <summary>True when the bytes are well-formed UTF-8, so <see cref="Text"/> is lossless.</summary>
    public bool IsValidUtf8 => System.Text.Unicode.Utf8.IsValid(_bytes);

    public byte[] ToArray() => (byte[])_bytes.Clone();

    public bool Equals(RequirementData? other) => other is not null && _bytes.AsSpan().SequenceEqual(other._bytes);

    public override bool Equals(object? obj) => Equals(obj as RequirementData);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(_bytes);
        return hash.ToHashCode();
    }

    /// <summary>Lower-case hex, as reqdumper.cpp <c>printBytes</c> writes hashes.</summary>
    public string ToHex() => Convert.ToHexStringLower(_bytes);

    public override string ToString() => IsValidUtf8 ? Text : "0x" + ToHex();
}
