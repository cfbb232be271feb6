using System.Collections;
using System.Collections.Immutable;

namespace SigWatch.Core.Plist;

/// <summary>
/// A <c>&lt;dict&gt;</c>: string keys, unique under ordinal comparison, kept in document order.
/// </summary>
/// <remarks>
/// <para>
/// Duplicate keys: a dictionary never holds the same key twice. The constructor throws
/// <see cref="ArgumentException"/>, and both readers reject a duplicate key in the input with
/// <see cref="PlistErrorReason.DuplicateKey"/>. CoreFoundation keeps the last value and other parsers keep the
/// first, so a file with duplicate keys can mean different things to different readers (a known
/// plist-confusion technique against entitlement checks); refusing it is the only answer that cannot disagree.
/// </para>
/// <para>
/// Equality ignores order (a property-list dictionary is a map; CoreFoundation compares dictionaries that way),
/// while enumeration, <see cref="Keys"/> and the writers keep document order.
/// </para>
/// </remarks>
public sealed class PlistDictionary : PlistValue, IReadOnlyList<KeyValuePair<string, PlistValue>>
{
    /// <summary>The shared empty dictionary.</summary>
    public static readonly PlistDictionary Empty = new([], new Dictionary<string, int>(StringComparer.Ordinal));

    private readonly ImmutableArray<KeyValuePair<string, PlistValue>> _entries;
    private readonly Dictionary<string, int> _index;

    /// <summary>A dictionary of <paramref name="entries"/> in the given order.</summary>
    /// <exception cref="ArgumentException">A key occurs twice.</exception>
    public PlistDictionary(IEnumerable<KeyValuePair<string, PlistValue>> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        _entries = [.. entries];
        _index = new Dictionary<string, int>(_entries.Length, StringComparer.Ordinal);
        for (var i = 0; i < _entries.Length; i++)
        {
            var (key, value) = _entries[i];
            ArgumentNullException.ThrowIfNull(key, nameof(entries));
            ArgumentNullException.ThrowIfNull(value, nameof(entries));
            if (!_index.TryAdd(key, i))
            {
                throw new ArgumentException($"Duplicate property-list dictionary key '{key}'.", nameof(entries));
            }
        }
    }

    /// <summary>Used by the readers, which have already built the index and rejected duplicates.</summary>
    internal PlistDictionary(ImmutableArray<KeyValuePair<string, PlistValue>> entries, Dictionary<string, int> index)
    {
        _entries = entries;
        _index = index;
    }

    /// <inheritdoc />
    public override PlistValueKind Kind => PlistValueKind.Dictionary;

    /// <summary>Number of entries.</summary>
    public int Count => _entries.Length;

    /// <summary>The entry at <paramref name="index"/> in document order.</summary>
    public KeyValuePair<string, PlistValue> this[int index] => _entries[index];

    /// <summary>The value for <paramref name="key"/>.</summary>
    /// <exception cref="KeyNotFoundException">The key is absent.</exception>
    public PlistValue this[string key] =>
        TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"Key '{key}' is not in the dictionary.");

    /// <summary>The keys in document order.</summary>
    public IEnumerable<string> Keys => _entries.Select(e => e.Key);

    /// <summary>Ordinal lookup.</summary>
    public bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out PlistValue? value)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (_index.TryGetValue(key, out var i))
        {
            value = _entries[i].Value;
            return true;
        }

        value = null;
        return false;
    }

    /// <summary>Whether <paramref name="key"/> is present.</summary>
    public bool ContainsKey(string key) => _index.ContainsKey(key);

    /// <summary>The string at <paramref name="key"/>, or null when absent or not a string.</summary>
    public string? GetString(string key) => TryGetValue(key, out var v) && v is PlistString s ? s.Value : null;

    /// <summary>The boolean at <paramref name="key"/>, or null when absent or not a boolean.</summary>
    public bool? GetBoolean(string key) => TryGetValue(key, out var v) && v is PlistBoolean b ? b.Value : null;

    /// <summary>The integer at <paramref name="key"/> when it fits a <see cref="long"/>; otherwise null.</summary>
    public long? GetInt64(string key) =>
        TryGetValue(key, out var v) && v is PlistInteger i && i.TryGetInt64(out var l) ? l : null;

    /// <summary>The data at <paramref name="key"/>, or null when absent or not data.</summary>
    public ReadOnlyMemory<byte>? GetData(string key) => TryGetValue(key, out var v) && v is PlistData d ? d.Value : null;

    /// <summary>The dictionary at <paramref name="key"/>, or null when absent or not a dictionary.</summary>
    public PlistDictionary? GetDictionary(string key) => TryGetValue(key, out var v) ? v as PlistDictionary : null;

    /// <summary>The array at <paramref name="key"/>, or null when absent or not an array.</summary>
    public PlistArray? GetArray(string key) => TryGetValue(key, out var v) ? v as PlistArray : null;

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, PlistValue>> GetEnumerator() =>
        ((IEnumerable<KeyValuePair<string, PlistValue>>)_entries).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Same key set with equal values; order is not compared.</summary>
    public override bool Equals(PlistValue? other)
    {
        if (ReferenceEquals(this, other))
        {
            return true;
        }

        if (other is not PlistDictionary d || d.Count != Count)
        {
            return false;
        }

        foreach (var (key, value) in _entries)
        {
            if (!d.TryGetValue(key, out var otherValue) || !value.Equals(otherValue))
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc />
    public override int GetHashCode()
    {
        // Order-independent, and over keys only, so it is cheap and consistent with the unordered Equals.
        var hash = Count;
        foreach (var (key, _) in _entries)
        {
            hash ^= StringComparer.Ordinal.GetHashCode(key);
        }

        return hash;
    }

    /// <inheritdoc />
    public override string ToString() => $"<dict {Count} entries>";
}
