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
    public static readonly PlistDictionary Empty = new(ImmutableArray<KeyValuePair<string, PlistValue>>.Empty, null);

    /// <summary>
    /// Up to this many entries, lookups scan the entries instead of hashing: most dictionaries in a
    /// CodeResources are 2-3 entry hash records, and a hash index per record doubled the read cost.
    /// </summary>
    internal const int LinearLookupMaxCount = 8;

    private readonly ImmutableArray<KeyValuePair<string, PlistValue>> _entries;
    // Above LinearLookupMaxCount entries: built by the public constructor, or on first lookup (readers hand none over for
    // a dictionary whose keys came in ascending order, which is how Apple writes them and needs no index to be checked).
    private Dictionary<string, int>? _index;

    /// <summary>A dictionary of <paramref name="entries"/> in the given order.</summary>
    /// <exception cref="ArgumentException">A key occurs twice.</exception>
    public PlistDictionary(IEnumerable<KeyValuePair<string, PlistValue>> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        _entries = [.. entries];
        var index = new Dictionary<string, int>(_entries.Length, StringComparer.Ordinal);
        for (var i = 0; i < _entries.Length; i++)
        {
            var (key, value) = _entries[i];
            ArgumentNullException.ThrowIfNull(key, nameof(entries));
            ArgumentNullException.ThrowIfNull(value, nameof(entries));
            if (!index.TryAdd(key, i))
            {
                throw new ArgumentException($"Duplicate property-list dictionary key '{key}'.", nameof(entries));
            }
        }

        _index = _entries.Length > LinearLookupMaxCount ? index : null;
    }

    /// <summary>
    /// Used by the readers, which have already rejected duplicates; <paramref name="index"/>, when they made one, is
    /// kept above <see cref="LinearLookupMaxCount"/> entries (else one is made on the first lookup) and ignored below.
    /// </summary>
    internal PlistDictionary(ImmutableArray<KeyValuePair<string, PlistValue>> entries, Dictionary<string, int>? index)
    {
        _entries = entries;
        _index = entries.Length > LinearLookupMaxCount ? index : null;
    }

    private static Dictionary<string, int> BuildIndex(ImmutableArray<KeyValuePair<string, PlistValue>> entries)
    {
        var index = new Dictionary<string, int>(entries.Length, StringComparer.Ordinal);
        for (var i = 0; i < entries.Length; i++)
        {
            index[entries[i].Key] = i;
        }

        return index;
    }

    /// <summary>
    /// For the readers: whether <paramref name="key"/> is already among <paramref name="entries"/> (and, if not, the
    /// caller adds it next). A scan while the dictionary is small; past <see cref="LinearLookupMaxCount"/> entries, while
    /// every key is ordinally greater than the one before, none can repeat, and one comparison with the last says so;
    /// at the first key out of order, a hash index of all of them, handed on to the dictionary.
    /// </summary>
    /// <remarks>
    /// Why: the files2 dictionary of a 100,000-file CodeResources (keys in ascending order, as Apple writes them) built a
    /// 100,000-entry index that nothing looked anything up in: 7.5 MB and a hash of every path (issue #20).
    /// </remarks>
    internal static bool IsDuplicateKey<TList>(TList entries, ref Dictionary<string, int>? index, string key)
        where TList : IList<KeyValuePair<string, PlistValue>>
    {
        if (index is null)
        {
            var count = entries.Count;
            if (count > LinearLookupMaxCount)
            {
                // Ascending so far (else the index would exist): a key above the last is above them all.
                if (string.CompareOrdinal(entries[count - 1].Key, key) < 0)
                {
                    return false;
                }
            }
            else
            {
                for (var i = 0; i < count; i++)
                {
                    if (string.Equals(entries[i].Key, key, StringComparison.Ordinal))
                    {
                        return true;
                    }
                }

                if (count < LinearLookupMaxCount || IsAscending(entries, key))
                {
                    return false;
                }
            }

            index = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var i = 0; i < count; i++)
            {
                index.Add(entries[i].Key, i);
            }
        }

        return !index.TryAdd(key, entries.Count);
    }

    private static bool IsAscending<TList>(TList entries, string next)
        where TList : IList<KeyValuePair<string, PlistValue>>
    {
        for (var i = 1; i < entries.Count; i++)
        {
            if (string.CompareOrdinal(entries[i - 1].Key, entries[i].Key) >= 0)
            {
                return false;
            }
        }

        return entries.Count == 0 || string.CompareOrdinal(entries[^1].Key, next) < 0;
    }

    /// <summary>Position of <paramref name="key"/> in document order, or -1.</summary>
    private int IndexOf(string key)
    {
        if (_entries.Length > LinearLookupMaxCount)
        {
            // Built once, by whichever lookup comes first; equal indexes, so a lost race costs only the work.
            var index = Volatile.Read(ref _index) ?? Interlocked.CompareExchange(ref _index, BuildIndex(_entries), null) ?? _index!;
            return index.TryGetValue(key, out var i) ? i : -1;
        }

        for (var i = 0; i < _entries.Length; i++)
        {
            if (string.Equals(_entries[i].Key, key, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
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
        var i = IndexOf(key);
        if (i >= 0)
        {
            value = _entries[i].Value;
            return true;
        }

        value = null;
        return false;
    }

    /// <summary>Whether <paramref name="key"/> is present.</summary>
    public bool ContainsKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return IndexOf(key) >= 0;
    }

    /// <summary>The string at <paramref name="key"/>, or null when absent or not a string.</summary>
    public string? GetString(string key) => TryGetValue(key, out var v) && v is PlistString s ? s.Value : null;

    /// <summary>The boolean at <paramref name="key"/>, or null when absent or not a boolean.</summary>
    public bool? GetBoolean(string key) => TryGetValue(key, out var v) && v is PlistBoolean b ? b.Value : null;

    /// <summary>The integer at <paramref name="key"/> when it fits a <see cref="long"/>; otherwise null.</summary>
    public long? GetInt64(string key) =>
        TryGetValue(key, out var v) && v is PlistInteger i && i.TryGetInt64(out var l) ? l : null;

    /// <summary>The data at <paramref name="key"/>, or null when absent or not data.</summary>
    // The cast matters: a bare null would convert through ReadOnlyMemory's implicit T[] operator into empty data.
    public ReadOnlyMemory<byte>? GetData(string key) => TryGetValue(key, out var v) && v is PlistData d ? d.Value : (ReadOnlyMemory<byte>?)null;

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
