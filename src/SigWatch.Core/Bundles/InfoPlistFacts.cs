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

    /// <summary>
    /// Reads the file at <paramref name="path"/> (never following a symlink, never more than
    /// <see cref="BundleInspector.MaxInfoPlistBytes"/>). A damaged file yields <see cref="Error"/>
    /// naming the file and the parser's reason; it never throws.
    /// </summary>
    public static InfoPlistFacts ReadFile(string path)
    {
        var file = new FileInfo(path);
        if (!file.Exists)
        {
            return Absent;
        }

        if (file.LinkTarget is not null)
        {
            return Absent with { Exists = true, Error = $"{path}: is a symlink; not followed" };
        }

        byte[] bytes;
        try
        {
            if (file.Length > BundleInspector.MaxInfoPlistBytes)
            {
                return Absent with { Exists = true, Error = $"{path}: {file.Length} bytes, larger than the {BundleInspector.MaxInfoPlistBytes}-byte limit" };
            }

            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Absent with { Exists = true, Error = $"{path}: cannot read: {e.Message}" };
        }

        return Parse(bytes, path);
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
