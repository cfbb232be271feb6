using System.Buffers;
using System.Collections.Immutable;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Unicode;

namespace SigWatch.Core.Plist;

/// <summary>
/// The fast path of <see cref="XmlPropertyListReader"/>: a span reader for the XML that Apple's tools write (UTF-8, the
/// plist DOCTYPE, the eleven plist elements, comments between elements, predefined and numeric character references).
/// It either returns exactly the value the <see cref="System.Xml.XmlReader"/> path returns for the same bytes, or
/// declines (null), and the XmlReader path then reads the document and reports any error with its position. It declines
/// anything outside that subset — other encodings, CR (XML would normalise it), control or non-characters, CDATA,
/// processing instructions, internal DTD subsets, attributes other than simple ones on &lt;plist&gt;, comments inside text,
/// and every error — so nothing it cannot judge exactly is judged by it.
/// </summary>
/// <remarks>
/// Why: a CodeResources of 100,000 files is 24 MB of XML, and XmlReader tokenised it at ~60 MB/s, the largest serial
/// step of a seal verification (issue #20). Values are built by the same conversions as the XmlReader path
/// (<see cref="XmlPropertyListReader.TryParseInteger"/> and friends). Tests check both paths agree
/// (XmlPropertyListFastReaderTests); the plist fuzz target compares them on every input.
/// </remarks>
internal ref struct XmlPropertyListFastReader
{
    // Each reference yields at most two UTF-16 units: under this many, XmlReader's MaxCharactersFromEntities (1 Mi)
    // cannot be what rejects the document, whatever it counts.
    private const int MaxReferences = 100_000;

    private readonly ReadOnlySpan<byte> _input;
    private readonly PlistReaderOptions _options;
    private readonly string? _leaveOut;
    private readonly List<List<PlistValue>> _arrayScratch = [];
    private readonly List<List<KeyValuePair<string, PlistValue>>> _dictScratch = [];
    private readonly List<HashSet<ulong>> _keyHashScratch = [];
    private int _leavingOut;
    private bool _leftOut;
    private int _pos;
    private int _objects;
    private int _references;
    private char[] _chars = new char[256];
    private (byte[] Bytes, string Text)[]? _shortKeys;
    private int _nextShortKey;

    private XmlPropertyListFastReader(ReadOnlySpan<byte> input, PlistReaderOptions options, string? leaveOut)
    {
        _input = input;
        _options = options;
        _leaveOut = leaveOut;
    }

    /// <summary>What stands in a result for the value of a key left out (see <see cref="TryRead(ReadOnlySpan{byte}, PlistReaderOptions, string?, out bool)"/>).</summary>
    internal static PlistValue LeftOut { get; } = new PlistString("(left out)");

    private enum Element
    {
        None,
        Plist,
        Dict,
        Array,
        Key,
        String,
        Data,
        Date,
        Integer,
        Real,
        True,
        False,
    }

    /// <summary>The value, or null when the XmlReader path must decide.</summary>
    public static PlistValue? TryRead(ReadOnlySpan<byte> input, PlistReaderOptions options) => TryRead(input, options, null, out _);

    /// <summary>
    /// The value, or null when the XmlReader path must decide; with <paramref name="leaveOut"/>, the value of that key of
    /// the root dictionary is read with every check and limit a built value meets — so the document is taken or declined
    /// exactly as without it — but nothing of it is built: <see cref="LeftOut"/> stands in its place, and
    /// <paramref name="leftOut"/> says so.
    /// </summary>
    /// <remarks>
    /// Why: a CodeResources carries its version-1 <c>files</c> dictionary beside <c>files2</c>, which is all a version-2
    /// seal reads — a third of the bytes and half the objects of a 100,000-file seal built for nothing (issue #20).
    /// </remarks>
    public static PlistValue? TryRead(ReadOnlySpan<byte> input, PlistReaderOptions options, string? leaveOut, out bool leftOut)
    {
        leftOut = false;
        if (!IsPlainText(input))
        {
            return null;
        }

        var reader = new XmlPropertyListFastReader(input, options, leaveOut);
        var value = reader.ReadDocument();
        leftOut = value is not null && reader._leftOut;
        return value;
    }

    // Declines C0 controls other than TAB and LF (CR too: XML turns CR LF into LF), DEL, C1 controls (legal XML, but
    // XmlReader's view of them is not worth matching), U+FFFE/U+FFFF (not XML characters) and anything not UTF-8. Each
    // test is one vectorised scan of simple comparisons: a SearchValues of non-ASCII bytes ran through a shuffle that
    // Native AOT's baseline instruction set does not inline.
    private static bool IsPlainText(ReadOnlySpan<byte> input)
    {
        if (!Utf8.IsValid(input) || input.IndexOfAnyInRange((byte)0x00, (byte)0x08) >= 0 || input.IndexOfAnyInRange((byte)0x0B, (byte)0x1F) >= 0
            || input.IndexOf((byte)0x7F) >= 0)
        {
            return false;
        }

        var rest = input;
        int i;
        while ((i = rest.IndexOfAny((byte)0xC2, (byte)0xEF)) >= 0)
        {
            var c1Control = rest[i] == 0xC2 && i + 1 < rest.Length && rest[i + 1] is >= 0x80 and <= 0x9F;
            var nonCharacter = rest[i] == 0xEF && i + 2 < rest.Length && rest[i + 1] == 0xBF && rest[i + 2] is 0xBE or 0xBF;
            if (c1Control || nonCharacter)
            {
                return false;
            }

            rest = rest[(i + 1)..];
        }

        return true;
    }

    private PlistValue? ReadDocument()
    {
        if (_input.StartsWith("\xEF\xBB\xBF"u8))
        {
            _pos = 3;
        }

        if (Rest.StartsWith("<?xml"u8) && !ReadDeclaration())
        {
            return null;
        }

        var doctype = false;
        while (true)
        {
            SkipWhitespace();
            if (Rest.StartsWith("<!--"u8))
            {
                if (!SkipComment())
                {
                    return null;
                }
            }
            else if (Rest.StartsWith("<!DOCTYPE"u8))
            {
                if (doctype || !SkipAppleDoctype())
                {
                    return null;
                }

                doctype = true;
            }
            else
            {
                break;
            }
        }

        PlistValue? value;
        var start = _pos;
        if (ReadName() == Element.Plist)
        {
            // CoreFoundation also accepts a bare value as the root; <plist> wraps exactly one value.
            if (!ReadPlistAttributes() || !SkipMisc() || (value = ReadValue(0)) is null || !SkipMisc() || !ReadEndTag(Element.Plist))
            {
                return null;
            }
        }
        else
        {
            _pos = start;
            if ((value = ReadValue(0)) is null)
            {
                return null;
            }
        }

        return SkipMisc() && _pos == _input.Length ? value : null;
    }

    private readonly ReadOnlySpan<byte> Rest => _input[_pos..];

    private PlistValue? ReadValue(int depth)
    {
        if (++_objects > _options.MaxObjects)
        {
            return null;
        }

        var element = ReadName();
        if (element == Element.None || !ReadStartTagEnd(out var empty))
        {
            return null;
        }

        if (_leavingOut > 0)
        {
            return Check(element, empty, depth) ? LeftOut : null;
        }

        switch (element)
        {
            case Element.Dict:
                return ReadDictionary(depth + 1, empty);
            case Element.Array:
                return ReadArray(depth + 1, empty);
            case Element.String:
                return ReadText(element, empty) is { } text ? new PlistString(text) : null;
            case Element.Data:
                return ReadData(empty);
            case Element.Integer:
                return ReadText(element, empty) is { } integer
                    && XmlPropertyListReader.TryParseInteger(integer.AsSpan().Trim(), out var number, out _)
                    ? new PlistInteger(number) : null;
            case Element.Real:
                return ReadText(element, empty) is { } real && XmlPropertyListReader.TryParseReal(real.AsSpan().Trim(), out var d)
                    ? new PlistReal(d) : null;
            case Element.Date:
                return ReadText(element, empty) is { } date && XmlPropertyListReader.TryParseDate(date.AsSpan().Trim(), out var instant)
                    ? new PlistDate(instant) : null;
            case Element.True:
            case Element.False:
                return ReadText(element, empty) is { } flag && flag.AsSpan().Trim().Length == 0
                    ? PlistBoolean.From(element == Element.True) : null;
            default:
                return null; // <key> out of place, or <plist> nested.
        }
    }

    private PlistDictionary? ReadDictionary(int depth, bool empty)
    {
        if (depth > _options.MaxDepth)
        {
            return null;
        }

        if (empty)
        {
            return PlistDictionary.Empty;
        }

        var entries = XmlPropertyListReader.Scratch(_dictScratch, depth);
        Dictionary<string, int>? index = null;
        while (true)
        {
            if (!SkipMisc())
            {
                return null;
            }

            if (Rest.StartsWith("</"u8))
            {
                return ReadEndTag(Element.Dict)
                    ? new PlistDictionary(ImmutableCollectionsMarshal.AsImmutableArray(entries.ToArray()), index)
                    : null;
            }

            if (ReadName() != Element.Key || !ReadStartTagEnd(out var emptyKey) || ReadText(Element.Key, emptyKey) is not { } key
                || PlistDictionary.IsDuplicateKey(entries, ref index, key) || !SkipMisc() || ReadEntryValue(depth, key) is not { } value)
            {
                return null;
            }

            entries.Add(new(key, value));
        }
    }

    private PlistValue? ReadEntryValue(int depth, string key)
    {
        if (depth != 1 || _leaveOut is null || !string.Equals(key, _leaveOut, StringComparison.Ordinal))
        {
            return ReadValue(depth);
        }

        _leavingOut++;
        var value = ReadValue(depth);
        _leavingOut--;
        _leftOut |= value is not null;
        return value;
    }

    /// <summary>
    /// A value being left out: read as <see cref="ReadValue"/> reads it, each element through the same steps and each
    /// text through the same checks and conversions, without building anything.
    /// </summary>
    private bool Check(Element element, bool empty, int depth)
    {
        switch (element)
        {
            case Element.Dict:
                return CheckDictionary(depth + 1, empty);
            case Element.Array:
                return CheckArray(depth + 1, empty);
            case Element.String:
                return ReadTextChars(element, empty, out _);
            case Element.Data:
                return ReadTextChars(element, empty, out var base64) && XmlPropertyListReader.IsBase64(base64);
            case Element.Integer:
                return ReadTextChars(element, empty, out var integer) && XmlPropertyListReader.TryParseInteger(integer.Trim(), out _, out _);
            case Element.Real:
                return ReadTextChars(element, empty, out var real) && XmlPropertyListReader.TryParseReal(real.Trim(), out _);
            case Element.Date:
                return ReadTextChars(element, empty, out var date) && XmlPropertyListReader.TryParseDate(date.Trim(), out _);
            case Element.True:
            case Element.False:
                return ReadTextChars(element, empty, out var flag) && flag.Trim().Length == 0;
            default:
                return false;
        }
    }

    /// <summary>
    /// <see cref="ReadDictionary"/> without building: duplicate keys are found by a 64-bit hash of each key's UTF-8, and
    /// two keys with one hash decline (equal keys, which the built dictionary declines too, or a collision, which the
    /// XmlReader path then reads and judges): never a verdict the built dictionary would not reach.
    /// </summary>
    private bool CheckDictionary(int depth, bool empty)
    {
        if (depth > _options.MaxDepth)
        {
            return false;
        }

        if (empty)
        {
            return true;
        }

        while (_keyHashScratch.Count <= depth)
        {
            _keyHashScratch.Add([]);
        }

        var keys = _keyHashScratch[depth];
        keys.Clear();
        while (true)
        {
            if (!SkipMisc())
            {
                return false;
            }

            if (Rest.StartsWith("</"u8))
            {
                return ReadEndTag(Element.Dict);
            }

            if (ReadName() != Element.Key || !ReadStartTagEnd(out var emptyKey) || !ReadKeyHash(emptyKey, out var hash) || !keys.Add(hash)
                || !SkipMisc() || ReadValue(depth) is null)
            {
                return false;
            }
        }
    }

    private bool CheckArray(int depth, bool empty)
    {
        if (depth > _options.MaxDepth)
        {
            return false;
        }

        if (empty)
        {
            return true;
        }

        while (true)
        {
            if (!SkipMisc())
            {
                return false;
            }

            if (Rest.StartsWith("</"u8))
            {
                return ReadEndTag(Element.Array);
            }

            if (ReadValue(depth) is null)
            {
                return false;
            }
        }
    }

    /// <summary>
    /// A key's text read as <see cref="ReadText"/> reads it, hashed as the UTF-8 of the key it stands for: a key written
    /// with references hashes as the same key written without.
    /// </summary>
    private bool ReadKeyHash(bool empty, out ulong hash)
    {
        hash = 0;
        if (empty)
        {
            hash = XxHash3.HashToUInt64([]);
            return true;
        }

        var end = Rest.IndexOf((byte)'<');
        if (end < 0)
        {
            return false;
        }

        var content = _input.Slice(_pos, end);
        if (content.IndexOf((byte)'&') < 0)
        {
            if (content.IndexOf("]]>"u8) >= 0)
            {
                return false;
            }

            _pos += end;
            hash = XxHash3.HashToUInt64(content);
            return ReadEndTag(Element.Key);
        }

        var length = ReadTextChars(Element.Key);
        if (length < 0)
        {
            return false;
        }

        var decoded = _chars.AsSpan(0, length);
        var utf8 = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(length));
        hash = XxHash3.HashToUInt64(utf8.AsSpan(0, Encoding.UTF8.GetBytes(decoded, utf8)));
        ArrayPool<byte>.Shared.Return(utf8);
        return true;
    }

    private PlistArray? ReadArray(int depth, bool empty)
    {
        if (depth > _options.MaxDepth)
        {
            return null;
        }

        if (empty)
        {
            return PlistArray.Empty;
        }

        var items = XmlPropertyListReader.Scratch(_arrayScratch, depth);
        while (true)
        {
            if (!SkipMisc())
            {
                return null;
            }

            if (Rest.StartsWith("</"u8))
            {
                return ReadEndTag(Element.Array) ? PlistArray.FromReader(ImmutableCollectionsMarshal.AsImmutableArray(items.ToArray())) : null;
            }

            if (ReadValue(depth) is not { } value)
            {
                return null;
            }

            items.Add(value);
        }
    }

    private PlistData? ReadData(bool empty)
    {
        var length = empty ? 0 : ReadTextChars(Element.Data);
        return length < 0 ? null : XmlPropertyListReader.TryDecodeBase64(_chars.AsSpan(0, length)) is { } bytes ? new PlistData(bytes) : null;
    }

    /// <summary>A text element's content up to and including its end tag; null for anything but text and references.</summary>
    private string? ReadText(Element element, bool empty)
    {
        if (empty)
        {
            return string.Empty;
        }

        var end = Rest.IndexOf((byte)'<');
        if (end < 0)
        {
            return null;
        }

        var content = _input.Slice(_pos, end);
        if (content.IndexOf((byte)'&') < 0)
        {
            if (content.IndexOf("]]>"u8) >= 0)
            {
                return null;
            }

            _pos += end;
            return ReadEndTag(element) ? element == Element.Key ? Key(content) : Encoding.UTF8.GetString(content) : null;
        }

        var length = ReadTextChars(element);
        return length < 0 ? null : new string(_chars, 0, length);
    }

    /// <summary>
    /// A key without references: short ones repeat in every entry of a CodeResources ("hash", "hash2", "optional"), so
    /// the last few are kept and handed out again instead of allocating 200,000 equal strings.
    /// </summary>
    private string Key(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > 16)
        {
            return Encoding.UTF8.GetString(utf8);
        }

        var keys = _shortKeys ??= new (byte[], string)[8];
        foreach (var (bytes, text) in keys)
        {
            if (bytes is not null && utf8.SequenceEqual(bytes))
            {
                return text;
            }
        }

        var key = Encoding.UTF8.GetString(utf8);
        keys[_nextShortKey] = (utf8.ToArray(), key);
        _nextShortKey = (_nextShortKey + 1) % keys.Length;
        return key;
    }

    /// <summary>
    /// A text element's content as <see cref="ReadText"/> takes or declines it, decoded into <see cref="_chars"/> instead
    /// of a string: without references <see cref="ReadText"/> checks the same "]]&gt;" and end tag, with them it calls
    /// the same decoding.
    /// </summary>
    private bool ReadTextChars(Element element, bool empty, out ReadOnlySpan<char> text)
    {
        text = default;
        var length = empty ? 0 : ReadTextChars(element);
        if (length < 0)
        {
            return false;
        }

        text = _chars.AsSpan(0, length);
        return true;
    }

    /// <summary>Decodes a text element's content into <see cref="_chars"/>; the number of chars, or -1 to decline.</summary>
    private int ReadTextChars(Element element)
    {
        var end = Rest.IndexOf((byte)'<');
        if (end < 0)
        {
            return -1;
        }

        var content = _input.Slice(_pos, end);
        if (content.IndexOf("]]>"u8) >= 0)
        {
            return -1;
        }

        _pos += end;
        EnsureChars(content.Length);
        var length = 0;
        while (true)
        {
            var amp = content.IndexOf((byte)'&');
            var run = amp < 0 ? content : content[..amp];
            length += Encoding.UTF8.GetChars(run, _chars.AsSpan(length));
            if (amp < 0)
            {
                break;
            }

            content = content[amp..];
            var semicolon = content.IndexOf((byte)';');
            if (semicolon < 0 || ++_references > MaxReferences || !TryDecodeReference(content[1..semicolon], _chars.AsSpan(length), out var written))
            {
                return -1;
            }

            length += written;
            content = content[(semicolon + 1)..];
        }

        return ReadEndTag(element) ? length : -1;
    }

    // XML 1.0 §4.1 and §4.6: the five predefined entities and character references ("&#x" in lower case only) to a
    // Char (#x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]).
    private static bool TryDecodeReference(ReadOnlySpan<byte> name, Span<char> destination, out int written)
    {
        written = 1;
        switch (name)
        {
            case [(byte)'l', (byte)'t']:
                destination[0] = '<';
                return true;
            case [(byte)'g', (byte)'t']:
                destination[0] = '>';
                return true;
            case [(byte)'a', (byte)'m', (byte)'p']:
                destination[0] = '&';
                return true;
            case [(byte)'q', (byte)'u', (byte)'o', (byte)'t']:
                destination[0] = '"';
                return true;
            case [(byte)'a', (byte)'p', (byte)'o', (byte)'s']:
                destination[0] = '\'';
                return true;
            case [(byte)'#', (byte)'x', .. var hex] when hex.Length is > 0 and <= 8:
                return TryScalar(hex, 16, destination, out written);
            case [(byte)'#', .. var digits] when digits.Length is > 0 and <= 8:
                return TryScalar(digits, 10, destination, out written);
            default:
                written = 0;
                return false;
        }
    }

    private static bool TryScalar(ReadOnlySpan<byte> digits, int radix, Span<char> destination, out int written)
    {
        written = 0;
        var value = 0;
        foreach (var b in digits)
        {
            var digit = b is >= (byte)'0' and <= (byte)'9' ? b - '0'
                : radix == 16 && b is >= (byte)'a' and <= (byte)'f' ? b - 'a' + 10
                : radix == 16 && b is >= (byte)'A' and <= (byte)'F' ? b - 'A' + 10
                : -1;
            if (digit < 0)
            {
                return false;
            }

            value = (value * radix) + digit;
        }

        var isChar = value is 0x9 or 0xA or 0xD or (>= 0x20 and <= 0xD7FF) or (>= 0xE000 and <= 0xFFFD) or (>= 0x10000 and <= 0x10FFFF);
        if (!isChar || value is >= 0x7F and <= 0x9F)
        {
            return false;
        }

        written = new Rune(value).EncodeToUtf16(destination);
        return true;
    }

    private void EnsureChars(int needed)
    {
        if (needed > _chars.Length)
        {
            _chars = new char[Math.Max(needed, _chars.Length * 2)];
        }
    }

    /// <summary>
    /// At "&lt;name" (or "&lt;/name" for an end tag): moves past the name when it is a plist element followed by
    /// whitespace, '&gt;' or '/'.
    /// </summary>
    private Element ReadName(bool endTag = false)
    {
        var rest = Rest;
        var prefix = endTag ? 2 : 1;
        if (rest.Length <= prefix || rest[0] != '<' || (endTag && rest[1] != '/'))
        {
            return Element.None;
        }

        var length = prefix;
        while (length < rest.Length && char.IsAsciiLetterLower((char)rest[length]))
        {
            length++;
        }

        if (length == rest.Length || rest[length] is not ((byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'>' or (byte)'/'))
        {
            return Element.None;
        }

        var element = Lookup(rest[prefix..length]);
        if (element != Element.None)
        {
            _pos += length;
        }

        return element;
    }

    private static Element Lookup(ReadOnlySpan<byte> name) => name switch
    {
        _ when name.SequenceEqual("key"u8) => Element.Key,
        _ when name.SequenceEqual("data"u8) => Element.Data,
        _ when name.SequenceEqual("dict"u8) => Element.Dict,
        _ when name.SequenceEqual("string"u8) => Element.String,
        _ when name.SequenceEqual("array"u8) => Element.Array,
        _ when name.SequenceEqual("integer"u8) => Element.Integer,
        _ when name.SequenceEqual("true"u8) => Element.True,
        _ when name.SequenceEqual("false"u8) => Element.False,
        _ when name.SequenceEqual("real"u8) => Element.Real,
        _ when name.SequenceEqual("date"u8) => Element.Date,
        _ when name.SequenceEqual("plist"u8) => Element.Plist,
        _ => Element.None,
    };

    /// <summary>After a start tag's name: optional whitespace, then "&gt;" or "/&gt;". Attributes decline.</summary>
    private bool ReadStartTagEnd(out bool empty)
    {
        SkipWhitespace();
        var rest = Rest;
        empty = rest.StartsWith("/>"u8);
        if (empty || rest.StartsWith(">"u8))
        {
            _pos += empty ? 2 : 1;
            return true;
        }

        return false;
    }

    /// <summary>"&lt;/name" + optional whitespace + "&gt;", with the name of the open element.</summary>
    private bool ReadEndTag(Element element)
    {
        if (ReadName(endTag: true) != element)
        {
            return false;
        }

        SkipWhitespace();
        if (!Rest.StartsWith(">"u8))
        {
            return false;
        }

        _pos++;
        return true;
    }

    /// <summary>
    /// The attributes of &lt;plist&gt; (its version, which nothing reads) and the tag's "&gt;". Declines an empty
    /// &lt;plist/&gt;, and any attribute whose name could carry XML meaning (xml*, namespaces) or that repeats.
    /// </summary>
    private bool ReadPlistAttributes()
    {
        Span<Range> seen = stackalloc Range[4];
        var count = 0;
        while (true)
        {
            var before = _pos;
            SkipWhitespace();
            var rest = Rest;
            if (rest.StartsWith(">"u8))
            {
                _pos++;
                return true;
            }

            if (_pos == before || count == seen.Length || !ReadAttribute(out var name, out _))
            {
                return false;
            }

            for (var i = 0; i < count; i++)
            {
                if (_input[seen[i]].SequenceEqual(_input[name]))
                {
                    return false;
                }
            }

            seen[count++] = name;
        }
    }

    /// <summary>name = "value" (or 'value'), the name ASCII and not xml-prefixed, the value free of '&lt;' and '&amp;'.</summary>
    private bool ReadAttribute(out Range name, out Range value)
    {
        name = value = default;
        var rest = Rest;
        var length = 0;
        while (length < rest.Length && (char.IsAsciiLetter((char)rest[length]) || rest[length] == '_'
                   || (length > 0 && (char.IsAsciiDigit((char)rest[length]) || rest[length] is (byte)'-' or (byte)'.'))))
        {
            length++;
        }

        if (length == 0 || (length >= 3 && Ascii.EqualsIgnoreCase(rest[..3], "xml"u8)))
        {
            return false;
        }

        name = new Range(_pos, _pos + length);
        _pos += length;
        SkipWhitespace();
        if (!Rest.StartsWith("="u8))
        {
            return false;
        }

        _pos++;
        SkipWhitespace();
        rest = Rest;
        if (rest.Length == 0 || rest[0] is not ((byte)'"' or (byte)'\''))
        {
            return false;
        }

        var close = rest[1..].IndexOf(rest[0]);
        if (close < 0 || rest.Slice(1, close).IndexOfAny("<&"u8) >= 0)
        {
            return false;
        }

        value = new Range(_pos + 1, _pos + 1 + close);
        _pos += close + 2;
        return true;
    }

    /// <summary>
    /// &lt;?xml version="1.0" [encoding="UTF-8"] [standalone="yes|no"]?&gt; in that order; anything else (another
    /// encoding or version) is for XmlReader.
    /// </summary>
    private bool ReadDeclaration()
    {
        _pos += 5;
        var step = 0;
        while (true)
        {
            var before = _pos;
            SkipWhitespace();
            if (Rest.StartsWith("?>"u8))
            {
                _pos += 2;
                return step > 0;
            }

            if (_pos == before || !ReadAttribute(out var name, out var value))
            {
                return false;
            }

            var n = _input[name];
            var v = _input[value];
            if (step == 0 && n.SequenceEqual("version"u8) && v.SequenceEqual("1.0"u8))
            {
                step = 1;
            }
            else if (step == 1 && n.SequenceEqual("encoding"u8) && Ascii.EqualsIgnoreCase(v, "UTF-8"u8))
            {
                step = 2;
            }
            else if (step is 1 or 2 && n.SequenceEqual("standalone"u8) && (v.SequenceEqual("yes"u8) || v.SequenceEqual("no"u8)))
            {
                step = 3;
            }
            else
            {
                return false;
            }
        }
    }

    /// <summary>Apple's two spellings of the plist DOCTYPE, exactly; any other DOCTYPE is for XmlReader.</summary>
    private bool SkipAppleDoctype()
    {
        ReadOnlySpan<byte> current = "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">"u8;
        ReadOnlySpan<byte> older = "<!DOCTYPE plist PUBLIC \"-//Apple Computer//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">"u8;
        var rest = Rest;
        var match = rest.StartsWith(current) ? current.Length : rest.StartsWith(older) ? older.Length : 0;
        _pos += match;
        return match > 0;
    }

    /// <summary>"&lt;!--" … "--&gt;" with no "--" inside (XML 1.0 §2.5).</summary>
    private bool SkipComment()
    {
        var body = Rest[4..];
        var dashes = body.IndexOf("--"u8);
        if (dashes < 0 || !body[(dashes + 2)..].StartsWith(">"u8))
        {
            return false;
        }

        _pos += 4 + dashes + 3;
        return true;
    }

    /// <summary>Whitespace and comments between elements; false for a malformed comment.</summary>
    private bool SkipMisc()
    {
        while (true)
        {
            SkipWhitespace();
            if (!Rest.StartsWith("<!--"u8))
            {
                return true;
            }

            if (!SkipComment())
            {
                return false;
            }
        }
    }

    // XML whitespace (§2.3) without CR, which IsPlainText has already declined.
    private void SkipWhitespace()
    {
        while (_pos < _input.Length && _input[_pos] is (byte)' ' or (byte)'\t' or (byte)'\n')
        {
            _pos++;
        }
    }
}
