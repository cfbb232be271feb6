using System.Collections;
using System.Collections.Immutable;
using System.Globalization;

namespace SigWatch.Core.Plist;

/// <summary>The kind of a <see cref="PlistValue"/>; one member per sealed subtype.</summary>
public enum PlistValueKind
{
    /// <summary><see cref="PlistDictionary"/>.</summary>
    Dictionary,
    /// <summary><see cref="PlistArray"/>.</summary>
    Array,
    /// <summary><see cref="PlistString"/>.</summary>
    String,
    /// <summary><see cref="PlistInteger"/>.</summary>
    Integer,
    /// <summary><see cref="PlistReal"/>.</summary>
    Real,
    /// <summary><see cref="PlistBoolean"/>.</summary>
    Boolean,
    /// <summary><see cref="PlistDate"/>.</summary>
    Date,
    /// <summary><see cref="PlistData"/>.</summary>
    Data,
    /// <summary><see cref="PlistUid"/> (binary property lists only).</summary>
    Uid,
}

/// <summary>
/// An immutable property-list value. Equality is structural over the whole tree (see each subtype),
/// so two trees read from an XML and a binary encoding of the same list compare equal.
/// </summary>
public abstract class PlistValue : IEquatable<PlistValue>
{
    private protected PlistValue()
    {
    }

    /// <summary>Which sealed subtype this is.</summary>
    public abstract PlistValueKind Kind { get; }

    /// <summary>Structural equality: same kind and equal contents, recursively.</summary>
    public abstract bool Equals(PlistValue? other);

    /// <inheritdoc />
    public sealed override bool Equals(object? obj) => obj is PlistValue other && Equals(other);

    /// <summary>A hash consistent with the structural <see cref="Equals(PlistValue?)"/>.</summary>
    public abstract override int GetHashCode();

    /// <summary>Structural equality; <c>null == null</c>.</summary>
    public static bool operator ==(PlistValue? left, PlistValue? right) =>
        left is null ? right is null : left.Equals(right);

    /// <summary>Structural inequality.</summary>
    public static bool operator !=(PlistValue? left, PlistValue? right) => !(left == right);
}

/// <summary>A <c>&lt;string&gt;</c> (binary: ASCII 0x5n or UTF-16BE 0x6n object).</summary>
public sealed class PlistString : PlistValue
{
    /// <summary>Wraps <paramref name="value"/>.</summary>
    public PlistString(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        Value = value;
    }

    /// <summary>The text, compared ordinally.</summary>
    public string Value { get; }

    /// <inheritdoc />
    public override PlistValueKind Kind => PlistValueKind.String;

    /// <inheritdoc />
    public override bool Equals(PlistValue? other) => other is PlistString s && string.Equals(Value, s.Value, StringComparison.Ordinal);

    /// <inheritdoc />
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Value);

    /// <inheritdoc />
    public override string ToString() => Value;
}

/// <summary>
/// An <c>&lt;integer&gt;</c>. Property lists carry the whole signed and unsigned 64-bit range, so the
/// value is held as an <see cref="Int128"/> restricted to [<see cref="long.MinValue"/>, <see cref="ulong.MaxValue"/>].
/// (Binary plists store values above <see cref="long.MaxValue"/> as 16-byte integers.)
/// </summary>
public sealed class PlistInteger : PlistValue
{
    /// <summary>The smallest representable value, <see cref="long.MinValue"/>.</summary>
    public static readonly Int128 MinValue = long.MinValue;

    /// <summary>The largest representable value, <see cref="ulong.MaxValue"/>.</summary>
    public static readonly Int128 MaxValue = ulong.MaxValue;

    /// <summary>A signed value.</summary>
    public PlistInteger(long value) => Value = value;

    /// <summary>An unsigned value.</summary>
    public PlistInteger(ulong value) => Value = value;

    /// <summary>Any value in [<see cref="MinValue"/>, <see cref="MaxValue"/>].</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is outside that range.</exception>
    public PlistInteger(Int128 value)
    {
        if (value < MinValue || value > MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "A property-list integer must lie in [long.MinValue, ulong.MaxValue].");
        }

        Value = value;
    }

    /// <summary>The value.</summary>
    public Int128 Value { get; }

    /// <inheritdoc />
    public override PlistValueKind Kind => PlistValueKind.Integer;

    /// <summary>Gets the value as a <see cref="long"/> when it fits.</summary>
    public bool TryGetInt64(out long value)
    {
        if (Value >= long.MinValue && Value <= long.MaxValue)
        {
            value = (long)Value;
            return true;
        }

        value = 0;
        return false;
    }

    /// <summary>Gets the value as a <see cref="ulong"/> when it is not negative.</summary>
    public bool TryGetUInt64(out ulong value)
    {
        if (Value >= 0)
        {
            value = (ulong)Value;
            return true;
        }

        value = 0;
        return false;
    }

    /// <inheritdoc />
    public override bool Equals(PlistValue? other) => other is PlistInteger i && i.Value == Value;

    /// <inheritdoc />
    public override int GetHashCode() => Value.GetHashCode();

    /// <inheritdoc />
    public override string ToString() => Value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// A <c>&lt;real&gt;</c> (binary 0x22 float or 0x23 double; floats widen to double). Equality uses
/// <see cref="double.Equals(double)"/>, so NaN equals NaN and the tree comparison stays reflexive.
/// </summary>
public sealed class PlistReal : PlistValue
{
    /// <summary>Wraps <paramref name="value"/>.</summary>
    public PlistReal(double value) => Value = value;

    /// <summary>The value.</summary>
    public double Value { get; }

    /// <inheritdoc />
    public override PlistValueKind Kind => PlistValueKind.Real;

    /// <inheritdoc />
    public override bool Equals(PlistValue? other) => other is PlistReal r && r.Value.Equals(Value);

    /// <inheritdoc />
    public override int GetHashCode() => Value.GetHashCode();

    /// <inheritdoc />
    public override string ToString() => Value.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>A <c>&lt;true/&gt;</c> or <c>&lt;false/&gt;</c>.</summary>
public sealed class PlistBoolean : PlistValue
{
    /// <summary>The shared <c>true</c> value.</summary>
    public static readonly PlistBoolean True = new(true);

    /// <summary>The shared <c>false</c> value.</summary>
    public static readonly PlistBoolean False = new(false);

    private PlistBoolean(bool value) => Value = value;

    /// <summary>The value.</summary>
    public bool Value { get; }

    /// <inheritdoc />
    public override PlistValueKind Kind => PlistValueKind.Boolean;

    /// <summary>Returns the shared instance for <paramref name="value"/>.</summary>
    public static PlistBoolean From(bool value) => value ? True : False;

    /// <inheritdoc />
    public override bool Equals(PlistValue? other) => other is PlistBoolean b && b.Value == Value;

    /// <inheritdoc />
    public override int GetHashCode() => Value ? 1 : 0;

    /// <inheritdoc />
    public override string ToString() => Value ? "true" : "false";
}

/// <summary>
/// A <c>&lt;date&gt;</c>, always in UTC. XML dates carry whole seconds (Apple's format
/// <c>YYYY-MM-DDTHH:MM:SSZ</c>); binary dates are a double of seconds since 2001-01-01T00:00:00Z
/// and are rounded to the nearest 100 ns tick when read.
/// </summary>
public sealed class PlistDate : PlistValue
{
    /// <summary>Wraps <paramref name="value"/>, converted to UTC.</summary>
    public PlistDate(DateTimeOffset value) => Value = value.ToUniversalTime();

    /// <summary>The instant, with offset zero.</summary>
    public DateTimeOffset Value { get; }

    /// <inheritdoc />
    public override PlistValueKind Kind => PlistValueKind.Date;

    /// <inheritdoc />
    public override bool Equals(PlistValue? other) => other is PlistDate d && d.Value.UtcTicks == Value.UtcTicks;

    /// <inheritdoc />
    public override int GetHashCode() => Value.UtcTicks.GetHashCode();

    /// <inheritdoc />
    public override string ToString() => Value.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);
}

/// <summary>A <c>&lt;data&gt;</c> blob. Equality compares bytes. <see cref="ToString"/> never dumps the bytes.</summary>
public sealed class PlistData : PlistValue
{
    /// <summary>Wraps <paramref name="value"/>; the caller must not mutate the memory afterwards.</summary>
    public PlistData(ReadOnlyMemory<byte> value) => Value = value;

    /// <summary>The bytes.</summary>
    public ReadOnlyMemory<byte> Value { get; }

    /// <inheritdoc />
    public override PlistValueKind Kind => PlistValueKind.Data;

    /// <inheritdoc />
    public override bool Equals(PlistValue? other) => other is PlistData d && d.Value.Span.SequenceEqual(Value.Span);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(Value.Span);
        return hash.ToHashCode();
    }

    /// <inheritdoc />
    public override string ToString() => $"<data {Value.Length} bytes>";
}

/// <summary>
/// A keyed-archiver UID (binary marker 0x8n). XML has no UID element: the XML writer emits CoreFoundation's
/// <c>&lt;dict&gt;&lt;key&gt;CF$UID&lt;/key&gt;&lt;integer&gt;n&lt;/integer&gt;&lt;/dict&gt;</c> spelling,
/// which the XML reader returns as that dictionary, not as a UID.
/// </summary>
public sealed class PlistUid : PlistValue
{
    /// <summary>Wraps <paramref name="value"/>.</summary>
    public PlistUid(ulong value) => Value = value;

    /// <summary>The UID.</summary>
    public ulong Value { get; }

    /// <inheritdoc />
    public override PlistValueKind Kind => PlistValueKind.Uid;

    /// <inheritdoc />
    public override bool Equals(PlistValue? other) => other is PlistUid u && u.Value == Value;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Value, 0x5549);

    /// <inheritdoc />
    public override string ToString() => $"UID({Value.ToString(CultureInfo.InvariantCulture)})";
}

/// <summary>An <c>&lt;array&gt;</c> (binary 0xAn array or 0xCn set, which is read as an array). Equality is ordered.</summary>
public sealed class PlistArray : PlistValue, IReadOnlyList<PlistValue>
{
    /// <summary>The shared empty array.</summary>
    public static readonly PlistArray Empty = new(ImmutableArray<PlistValue>.Empty);

    /// <summary>An array of <paramref name="items"/>, none of which may be null.</summary>
    public PlistArray(IEnumerable<PlistValue> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        Items = [.. items];
        foreach (var item in Items)
        {
            ArgumentNullException.ThrowIfNull(item, nameof(items));
        }
    }

    /// <summary>An array of <paramref name="items"/>.</summary>
    public PlistArray(params PlistValue[] items)
        : this((IEnumerable<PlistValue>)items)
    {
    }

    internal PlistArray(ImmutableArray<PlistValue> items, bool trusted) => Items = items;

    private PlistArray(ImmutableArray<PlistValue> items) => Items = items;

    /// <summary>The elements in order.</summary>
    public ImmutableArray<PlistValue> Items { get; }

    /// <inheritdoc />
    public int Count => Items.Length;

    /// <inheritdoc />
    public PlistValue this[int index] => Items[index];

    /// <inheritdoc />
    public override PlistValueKind Kind => PlistValueKind.Array;

    /// <inheritdoc />
    public IEnumerator<PlistValue> GetEnumerator() => ((IEnumerable<PlistValue>)Items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc />
    public override bool Equals(PlistValue? other)
    {
        if (ReferenceEquals(this, other))
        {
            return true;
        }

        if (other is not PlistArray a || a.Items.Length != Items.Length)
        {
            return false;
        }

        for (var i = 0; i < Items.Length; i++)
        {
            if (!Items[i].Equals(a.Items[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc />
    public override int GetHashCode()
    {
        // Only the first elements feed the hash: cheap on large trees and still consistent with Equals.
        var hash = new HashCode();
        hash.Add(Items.Length);
        for (var i = 0; i < Math.Min(Items.Length, 8); i++)
        {
            hash.Add(Items[i].GetHashCode());
        }

        return hash.ToHashCode();
    }

    /// <inheritdoc />
    public override string ToString() => $"<array {Items.Length} items>";
}
