namespace SigWatch.Core.FileSystem;

/// <summary>
/// Reads extended attributes by their macOS names (e.g. <c>com.apple.quarantine</c>), never
/// following a symlink. Implemented in SigWatch.Platform for macOS (native names) and Linux
/// (<c>user.</c>-prefixed names, plus Samba's streams_xattr spelling).
/// </summary>
public interface IExtendedAttributeReader
{
    /// <summary>The attribute's value, or null when the entry has no such attribute (or the filesystem has none).</summary>
    /// <exception cref="ExtendedAttributeException">The attribute could not be read (permission, I/O, vanished path).</exception>
    byte[]? Get(string path, string name);

    /// <summary>The macOS-style names of the entry's attributes (empty when none or unsupported).</summary>
    /// <exception cref="ExtendedAttributeException">The names could not be listed.</exception>
    IReadOnlyList<string> List(string path);
}

/// <summary>An extended-attribute call failed for a reason other than "absent": what, where, why.</summary>
public sealed class ExtendedAttributeException(string path, string? name, int errno, string reason)
    : IOException($"{(name is null ? "listing extended attributes of" : $"reading extended attribute {name} of")} {path} failed: {reason} (errno {errno})")
{
    public string Path { get; } = path;

    public string? AttributeName { get; } = name;

    public int Errno { get; } = errno;
}

/// <summary>Well-known attribute names.</summary>
public static class ExtendedAttributeNames
{
    /// <summary>XATTR_RESOURCEFORK_NAME (sys/xattr.h).</summary>
    public const string ResourceFork = "com.apple.ResourceFork";

    /// <summary>XATTR_FINDERINFO_NAME (sys/xattr.h).</summary>
    public const string FinderInfo = "com.apple.FinderInfo";

    public const string Quarantine = "com.apple.quarantine";

    /// <summary>Binary plist array of strings: download URL, then the referring page (reference §2.3).</summary>
    public const string WhereFroms = "com.apple.metadata:kMDItemWhereFroms";
}
