using SigWatch.Core.FileSystem;
using SigWatch.Core.Plist;

namespace SigWatch.Core.Bundles;

/// <summary>The identity facts of a bundle's Info.plist (assessment v0).</summary>
public sealed record InfoPlistFacts(
    bool Exists,
    string? Error,
    string? BundleIdentifier,
    string? BundleName,
    string? ShortVersion,
    string? BundleVersion,
    string? Executable)
{
    public static InfoPlistFacts Absent { get; } = new(false, null, null, null, null, null, null);

    /// <summary>Info.plist files larger than this are not read (real ones are a few KiB).</summary>
    public const int MaxBytes = 8 * 1024 * 1024;

    /// <summary>
    /// Reads the file at <paramref name="path"/> through <paramref name="tree"/>: only a regular file (a symlink, a FIFO or a
    /// device is named as such and never opened), never more than <see cref="MaxBytes"/>. A damaged file yields
    /// <see cref="Error"/> naming the file and the reason; it never throws.
    /// </summary>
    public static InfoPlistFacts Read(IFileTree tree, string path)
    {
        var file = tree.ReadSmallFile(path, MaxBytes);
        return file.Status switch
        {
            SmallFileStatus.Missing => Absent,
            SmallFileStatus.Read => Parse(file.Bytes.Span, FileNames.Display(path)),
            _ => Absent with { Exists = true, Error = $"{FileNames.Display(path)}: {file.Problem}" },
        };
    }

    public static InfoPlistFacts Parse(ReadOnlySpan<byte> bytes, string displayPath)
    {
        if (!PropertyList.TryRead(bytes, out var value, out var error))
        {
            return Absent with { Exists = true, Error = $"{displayPath}: {error.Message}" };
        }

        if (value is not PlistDictionary dict)
        {
            return Absent with { Exists = true, Error = $"{displayPath}: top-level object is {value.Kind}, not a dictionary" };
        }

        return new InfoPlistFacts(
            Exists: true,
            Error: null,
            dict.GetString("CFBundleIdentifier"),
            dict.GetString("CFBundleName"),
            dict.GetString("CFBundleShortVersionString"),
            dict.GetString("CFBundleVersion"),
            dict.GetString("CFBundleExecutable"));
    }
}
