namespace SigWatch.Core.Plist;

/// <summary>
/// Limits applied while reading untrusted property lists. The defaults are far above anything Apple
/// writes (the largest CodeResources seen in real bundles is a few MB and nests 4 levels deep) and low
/// enough that a hostile file costs bounded time and memory.
/// </summary>
public sealed record PlistReaderOptions
{
    /// <summary>Default <see cref="MaxDocumentBytes"/>: 64 MiB.</summary>
    public const int DefaultMaxDocumentBytes = 64 * 1024 * 1024;

    /// <summary>Default <see cref="MaxDepth"/>: 512 nested containers.</summary>
    public const int DefaultMaxDepth = 512;

    /// <summary>Default <see cref="MaxObjects"/>: 4 Mi values (XML elements or binary object slots).</summary>
    public const int DefaultMaxObjects = 4 * 1024 * 1024;

    /// <summary>
    /// Default cap on characters produced by entity expansion in XML. DTDs are ignored, so only the
    /// predefined and numeric character references can expand; each adds at most two chars.
    /// </summary>
    public const long DefaultMaxCharactersFromEntities = 1024 * 1024;

    /// <summary>The defaults.</summary>
    public static PlistReaderOptions Default { get; } = new();

    /// <summary>Largest accepted input, in bytes.</summary>
    public int MaxDocumentBytes { get; init; } = DefaultMaxDocumentBytes;

    /// <summary>Deepest accepted nesting of arrays and dictionaries (the root container is depth 1).</summary>
    public int MaxDepth { get; init; } = DefaultMaxDepth;

    /// <summary>Most values accepted in one document (XML: value elements; binary: the trailer's object count).</summary>
    public int MaxObjects { get; init; } = DefaultMaxObjects;
}
