using System.Buffers;
using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text;
using System.Xml;

namespace SigWatch.Core.Plist;

/// <summary>
/// Reads XML property lists (Apple's PropertyList-1.0 DTD) from untrusted bytes.
/// </summary>
/// <remarks>
/// DTDs are never processed: Apple's <c>&lt;!DOCTYPE plist ...&gt;</c> is accepted and ignored, no external
/// resource is ever resolved, and a reference to an entity declared in an internal subset is an error
/// (so entity-expansion bombs fail at once). Predefined (<c>&amp;amp;</c>) and numeric character references decode.
/// Nesting deeper than <see cref="PlistReaderOptions.MaxDepth"/> is rejected before recursing.
/// </remarks>
public static partial class XmlPropertyListReader
{
    /// <summary>Reads an XML property list.</summary>
    /// <exception cref="PlistFormatException">The input is malformed or over a limit; <see cref="PlistFormatException.Line"/>/<see cref="PlistFormatException.Column"/> say where.</exception>
    public static PlistValue Read(ReadOnlySpan<byte> bytes, PlistReaderOptions? options = null) => Read(bytes, options, null, out _);

    /// <summary>
    /// <see cref="Read(ReadOnlySpan{byte}, PlistReaderOptions?)"/>, with the value of the root dictionary's key
    /// <paramref name="leaveOut"/> checked but not built when the fast path reads the document
    /// (<paramref name="leftOut"/>; <see cref="XmlPropertyListFastReader.LeftOut"/> stands in its place). The document is
    /// taken or rejected exactly as without it.
    /// </summary>
    internal static PlistValue Read(ReadOnlySpan<byte> bytes, PlistReaderOptions? options, string? leaveOut, out bool leftOut)
    {
        leftOut = false;
        options ??= PlistReaderOptions.Default;
        if (bytes.Length > options.MaxDocumentBytes)
        {
            PlistThrow.General(PlistErrorReason.DocumentTooLarge, $"{bytes.Length} bytes exceeds the limit of {options.MaxDocumentBytes}");
        }

        if (XmlPropertyListFastReader.TryRead(bytes, options, leaveOut, out leftOut) is { } value)
        {
            return value;
        }

        return ReadWithXmlReader(bytes, options);
    }

    /// <summary>The XmlReader path alone: what the fast path must agree with, and what reads everything it declines.</summary>
    internal static PlistValue ReadWithXmlReader(ReadOnlySpan<byte> bytes, PlistReaderOptions options)
    {
        // XmlReader needs a Stream. One copy of the input is cheap next to parsing it; the buffer is rented so a
        // large document does not land a fresh array on the large-object heap per read. Rent may return a larger
        // array, so the stream is sliced to the exact length. Nothing in the result refers to the buffer.
        var buffer = ArrayPool<byte>.Shared.Rent(bytes.Length);
        try
        {
            bytes.CopyTo(buffer);
            using var stream = new MemoryStream(buffer, 0, bytes.Length, writable: false);
            return Read(stream, options);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Reads an XML property list without throwing for bad input.</summary>
    /// <param name="bytes">The input.</param>
    /// <param name="value">The value on success; treat as uninitialised on failure.</param>
    /// <param name="error">The error on failure; treat as uninitialised on success.</param>
    /// <param name="options">Limits; <see cref="PlistReaderOptions.Default"/> when null.</param>
    public static bool TryRead(ReadOnlySpan<byte> bytes, [NotNullWhen(true)] out PlistValue? value, [NotNullWhen(false)] out PlistFormatException? error, PlistReaderOptions? options = null)
    {
        try
        {
            value = Read(bytes, options);
            error = null;
            return true;
        }
        catch (PlistFormatException ex)
        {
            value = null;
            error = ex;
            return false;
        }
    }

    internal static XmlReaderSettings CreateSettings(PlistReaderOptions options, XmlNameTable? names = null) => new()
    {
        // Ignore (not Prohibit): Apple's files all carry a DOCTYPE. Ignore skips it without loading or expanding anything.
        DtdProcessing = DtdProcessing.Ignore,
        XmlResolver = null,
        MaxCharactersFromEntities = PlistReaderOptions.DefaultMaxCharactersFromEntities,
        MaxCharactersInDocument = options.MaxDocumentBytes,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        // Whitespace inside <string> is content, so whitespace nodes are kept and skipped by hand elsewhere.
        IgnoreWhitespace = false,
        CloseInput = false,
        NameTable = names,
    };

    private static PlistValue Read(Stream stream, PlistReaderOptions options)
    {
        var names = new Names();
        XmlReader? reader = null;
        Parser? parser = null;
        try
        {
            // Inside the try: creating the reader already decodes the first bytes, and a byte-order mark of an
            // encoding the rest does not follow (UTF-32 "FF FE 00 00" then garbage) throws there (found by AFL).
            reader = XmlReader.Create(stream, CreateSettings(options, names.Table));
            parser = new Parser(reader, names, options);
            return parser.ParseDocument();
        }
        catch (PlistFormatException)
        {
            throw;
        }
        catch (XmlException ex)
        {
            throw new PlistFormatException(PlistErrorReason.MalformedXml, ex.Message, line: ex.LineNumber, column: ex.LinePosition, inner: ex);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Anything else XmlReader raises (e.g. a decoder failure) is still bad input, never a crash.
            var (line, column) = parser?.Position ?? (0, 0);
            throw new PlistFormatException(PlistErrorReason.MalformedXml, ex.Message, line: line, column: column, inner: ex);
        }
        finally
        {
            reader?.Dispose();
        }
    }

    /// <summary>Element names atomised in the reader's name table, so matching is a reference compare.</summary>
    private sealed class Names
    {
        public readonly NameTable Table = new();
        public readonly string Plist;
        public readonly string Dict;
        public readonly string Array;
        public readonly string Key;
        public readonly string String;
        public readonly string Integer;
        public readonly string Real;
        public readonly string True;
        public readonly string False;
        public readonly string Date;
        public readonly string Data;

        public Names()
        {
            Plist = Table.Add("plist");
            Dict = Table.Add("dict");
            Array = Table.Add("array");
            Key = Table.Add("key");
            String = Table.Add("string");
            Integer = Table.Add("integer");
            Real = Table.Add("real");
            True = Table.Add("true");
            False = Table.Add("false");
            Date = Table.Add("date");
            Data = Table.Add("data");
        }
    }

    private sealed class Parser(XmlReader reader, Names names, PlistReaderOptions options)
    {
        private readonly IXmlLineInfo? _lineInfo = reader as IXmlLineInfo;

        // Scratch lists reused per nesting level; each container is copied once into an exact-size array.
        private readonly List<List<PlistValue>> _arrayScratch = [];
        private readonly List<List<KeyValuePair<string, PlistValue>>> _dictScratch = [];
        private int _objects;

        // Reused buffer for <data> text, so base64 is decoded without building a string per element.
        private char[] _chars = new char[256];

        public (int Line, int Column) Position => _lineInfo is { } li ? (li.LineNumber, li.LinePosition) : (0, 0);

        // Inside a text-bearing element (string, key, data, …) only text may appear; comments and
        // processing instructions are skipped, anything else is a typed error.
        private void RejectNonText(XmlReader reader, string elementName)
        {
            switch (reader.NodeType)
            {
                case XmlNodeType.Element:
                    Fail(PlistErrorReason.UnexpectedElement, $"<{BinaryPropertyListReader.Truncate(reader.LocalName)}> inside <{elementName}>");
                    break;
                case XmlNodeType.Comment:
                case XmlNodeType.ProcessingInstruction:
                    break;
                default:
                    Fail(PlistErrorReason.UnexpectedContent, $"{reader.NodeType} inside <{elementName}>");
                    break;
            }
        }

        [DoesNotReturn]
        private void Fail(PlistErrorReason reason, string detail)
        {
            var (line, column) = Position;
            PlistThrow.Xml(reason, line, column, detail);
        }

        public PlistValue ParseDocument()
        {
            // MoveToContent skips the declaration, DOCTYPE, comments and whitespace.
            if (reader.MoveToContent() != XmlNodeType.Element)
            {
                Fail(PlistErrorReason.MissingValue, "no root element");
            }

            PlistValue value;
            if (ReferenceEquals(reader.LocalName, names.Plist))
            {
                // <plist version="1.0"> wraps exactly one value. CoreFoundation also accepts a bare value as root.
                if (reader.IsEmptyElement)
                {
                    Fail(PlistErrorReason.MissingValue, "<plist/> holds no value");
                }

                reader.Read();
                SkipInsignificant();
                if (reader.NodeType != XmlNodeType.Element)
                {
                    Fail(PlistErrorReason.MissingValue, "<plist> holds no value");
                }

                value = ReadValue(0);
                SkipInsignificant();
                if (reader.NodeType != XmlNodeType.EndElement)
                {
                    Fail(PlistErrorReason.UnexpectedContent, "<plist> holds more than one value");
                }

                reader.Read();
            }
            else
            {
                value = ReadValue(0);
            }

            SkipInsignificant();
            if (!reader.EOF)
            {
                Fail(PlistErrorReason.UnexpectedContent, "content after the root value");
            }

            return value;
        }

        /// <summary>Moves past whitespace; non-whitespace text is an error.</summary>
        private void SkipInsignificant()
        {
            while (true)
            {
                switch (reader.NodeType)
                {
                    case XmlNodeType.Whitespace:
                    case XmlNodeType.SignificantWhitespace:
                    case XmlNodeType.Comment:
                    case XmlNodeType.ProcessingInstruction:
                    case XmlNodeType.XmlDeclaration:
                    case XmlNodeType.DocumentType:
                        reader.Read();
                        break;
                    case XmlNodeType.Text:
                    case XmlNodeType.CDATA:
                        Fail(PlistErrorReason.UnexpectedContent, "text where only elements may appear");
                        break;
                    default:
                        return;
                }
            }
        }

        /// <summary>Reads the value element the reader is on and leaves the reader on the node after it.</summary>
        private PlistValue ReadValue(int depth)
        {
            if (++_objects > options.MaxObjects)
            {
                Fail(PlistErrorReason.ObjectLimitExceeded, $"more than {options.MaxObjects} values");
            }

            var name = reader.LocalName;
            if (ReferenceEquals(name, names.Dict))
            {
                return ReadDictionary(depth + 1);
            }

            if (ReferenceEquals(name, names.Array))
            {
                return ReadArray(depth + 1);
            }

            if (ReferenceEquals(name, names.String))
            {
                return new PlistString(ReadText());
            }

            if (ReferenceEquals(name, names.Data))
            {
                return ReadData();
            }

            if (ReferenceEquals(name, names.Integer))
            {
                return ReadInteger();
            }

            if (ReferenceEquals(name, names.True) || ReferenceEquals(name, names.False))
            {
                var value = ReferenceEquals(name, names.True);
                if (ReadText().AsSpan().Trim().Length != 0)
                {
                    Fail(PlistErrorReason.UnexpectedContent, $"<{name}> must be empty");
                }

                return PlistBoolean.From(value);
            }

            if (ReferenceEquals(name, names.Real))
            {
                return ReadReal();
            }

            if (ReferenceEquals(name, names.Date))
            {
                return ReadDate();
            }

            if (ReferenceEquals(name, names.Key))
            {
                Fail(PlistErrorReason.UnexpectedElement, "<key> outside a dictionary, or two keys in a row");
            }

            Fail(PlistErrorReason.UnexpectedElement, $"<{BinaryPropertyListReader.Truncate(name)}> is not a property-list element");
            return null;
        }

        private void CheckDepth(int depth)
        {
            if (depth > options.MaxDepth)
            {
                Fail(PlistErrorReason.DepthLimitExceeded, $"containers nest deeper than {options.MaxDepth}");
            }
        }

        private PlistArray ReadArray(int depth)
        {
            CheckDepth(depth);
            if (reader.IsEmptyElement)
            {
                reader.Read();
                return PlistArray.Empty;
            }

            var items = Scratch(_arrayScratch, depth);
            reader.Read();
            while (true)
            {
                SkipInsignificant();
                if (reader.NodeType == XmlNodeType.EndElement)
                {
                    reader.Read();
                    return PlistArray.FromReader(ImmutableCollectionsMarshal.AsImmutableArray(items.ToArray()));
                }

                items.Add(ReadValue(depth));
            }
        }

        private PlistDictionary ReadDictionary(int depth)
        {
            CheckDepth(depth);
            if (reader.IsEmptyElement)
            {
                reader.Read();
                return PlistDictionary.Empty;
            }

            var entries = Scratch(_dictScratch, depth);
            Dictionary<string, int>? index = null;
            reader.Read();
            while (true)
            {
                SkipInsignificant();
                if (reader.NodeType == XmlNodeType.EndElement)
                {
                    reader.Read();
                    return new PlistDictionary(ImmutableCollectionsMarshal.AsImmutableArray(entries.ToArray()), index);
                }

                if (!ReferenceEquals(reader.LocalName, names.Key))
                {
                    Fail(PlistErrorReason.KeyWithoutValue, $"<{BinaryPropertyListReader.Truncate(reader.LocalName)}> in a dictionary where a <key> is expected");
                }

                var (keyLine, keyColumn) = Position;
                var key = ReadText();
                if (PlistDictionary.IsDuplicateKey(entries, ref index, key))
                {
                    PlistThrow.Xml(PlistErrorReason.DuplicateKey, keyLine, keyColumn, $"key '{BinaryPropertyListReader.Truncate(key)}' occurs twice");
                }

                SkipInsignificant();
                if (reader.NodeType != XmlNodeType.Element || ReferenceEquals(reader.LocalName, names.Key))
                {
                    Fail(PlistErrorReason.KeyWithoutValue, $"key '{BinaryPropertyListReader.Truncate(key)}' is not followed by a value");
                }

                entries.Add(new(key, ReadValue(depth)));
            }
        }

        /// <summary>
        /// Reads the text content of a leaf element (text, CDATA, whitespace; comments are already skipped)
        /// and moves past its end tag. A child element is an error.
        /// </summary>
        private string ReadText()
        {
            if (reader.IsEmptyElement)
            {
                reader.Read();
                return string.Empty;
            }

            var elementName = reader.LocalName;
            reader.Read();
            string? first = null;
            StringBuilder? builder = null;
            while (true)
            {
                switch (reader.NodeType)
                {
                    case XmlNodeType.Text:
                    case XmlNodeType.CDATA:
                    case XmlNodeType.Whitespace:
                    case XmlNodeType.SignificantWhitespace:
                        if (first is null)
                        {
                            first = reader.Value;
                        }
                        else
                        {
                            builder ??= new StringBuilder(first);
                            builder.Append(reader.Value);
                        }

                        break;
                    case XmlNodeType.EndElement:
                        reader.Read();
                        return builder?.ToString() ?? first ?? string.Empty;
                    default:
                        RejectNonText(reader, elementName);
                        break;
                }

                reader.Read();
            }
        }

        /// <summary>
        /// Like <see cref="ReadText"/>, but copies the text into <see cref="_chars"/> with ReadValueChunk
        /// instead of materialising strings (CodeResources holds tens of thousands of base64 hashes).
        /// Returns the number of characters.
        /// </summary>
        private int ReadTextIntoBuffer()
        {
            if (reader.IsEmptyElement)
            {
                reader.Read();
                return 0;
            }

            var elementName = reader.LocalName;
            reader.Read();
            var length = 0;
            while (true)
            {
                switch (reader.NodeType)
                {
                    case XmlNodeType.Text:
                    case XmlNodeType.CDATA:
                    case XmlNodeType.Whitespace:
                    case XmlNodeType.SignificantWhitespace:
                        if (!reader.CanReadValueChunk)
                        {
                            var value = reader.Value;
                            EnsureChars(length + value.Length);
                            value.CopyTo(_chars.AsSpan(length));
                            length += value.Length;
                            break;
                        }

                        while (true)
                        {
                            EnsureChars(length + 1);
                            var read = reader.ReadValueChunk(_chars, length, _chars.Length - length);
                            if (read == 0)
                            {
                                break;
                            }

                            length += read;
                        }

                        break;
                    case XmlNodeType.EndElement:
                        reader.Read();
                        return length;
                    default:
                        RejectNonText(reader, elementName);
                        break;
                }

                reader.Read();
            }
        }

        private void EnsureChars(int needed)
        {
            if (needed > _chars.Length)
            {
                Array.Resize(ref _chars, Math.Max(needed, _chars.Length * 2));
            }
        }

        private PlistData ReadData()
        {
            var (line, column) = Position;
            // Length first: reading may replace _chars with a larger array.
            var length = ReadTextIntoBuffer();
            var bytes = TryDecodeBase64(_chars.AsSpan(0, length));
            if (bytes is null)
            {
                PlistThrow.Xml(PlistErrorReason.InvalidBase64, line, column, "<data> is not valid base64");
            }

            return new PlistData(bytes);
        }

        private PlistInteger ReadInteger()
        {
            var (line, column) = Position;
            var text = ReadText();
            if (!TryParseInteger(text.AsSpan().Trim(), out var value, out var outOfRange))
            {
                PlistThrow.Xml(
                    outOfRange ? PlistErrorReason.IntegerOutOfRange : PlistErrorReason.InvalidInteger,
                    line,
                    column,
                    outOfRange ? "<integer> beyond the 64-bit range" : $"<integer> '{BinaryPropertyListReader.Truncate(text)}' is not an integer");
            }

            return new PlistInteger(value);
        }

        private PlistReal ReadReal()
        {
            var (line, column) = Position;
            var text = ReadText();
            if (!TryParseReal(text.AsSpan().Trim(), out var value))
            {
                PlistThrow.Xml(PlistErrorReason.InvalidReal, line, column, $"<real> '{BinaryPropertyListReader.Truncate(text)}' is not a number");
            }

            return new PlistReal(value);
        }

        private PlistDate ReadDate()
        {
            var (line, column) = Position;
            var text = ReadText();
            if (!TryParseDate(text.AsSpan().Trim(), out var value))
            {
                PlistThrow.Xml(PlistErrorReason.InvalidDate, line, column, $"<date> '{BinaryPropertyListReader.Truncate(text)}' is not YYYY-MM-DDTHH:MM:SSZ");
            }

            return new PlistDate(value);
        }
    }
}
