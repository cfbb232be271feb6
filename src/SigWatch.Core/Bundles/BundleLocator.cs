namespace SigWatch.Core.Bundles;

/// <summary>
/// Where bundles live inside a watched root: a directory named <c>*.app</c> directly in the root, or
/// one level below a plain folder (as in <c>/Applications/Utilities</c>). Nothing deeper is a
/// top-level bundle (apps nested inside apps are nested code, assessed with their host).
/// </summary>
public static class BundleLocator
{
    public const string AppExtension = ".app";

    public static bool IsAppName(ReadOnlySpan<char> name) =>
        name.Length > AppExtension.Length && name.EndsWith(AppExtension, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Maps any path under <paramref name="root"/> to the location it affects: the bundle that contains it,
    /// or the first-level container folder (when the path is that folder itself, or a non-bundle entry
    /// directly inside it). Returns <see cref="PathLocation.None"/> for paths outside the root or for the root itself.
    /// </summary>
    public static PathLocation Locate(string root, string fullPath)
    {
        var relative = Path.GetRelativePath(root, fullPath);
        if (relative == "." || relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative))
        {
            return PathLocation.None;
        }

        var parts = relative.Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0)
        {
            return PathLocation.None;
        }

        if (IsAppName(parts[0]))
        {
            return new PathLocation(PathLocationKind.Bundle, Path.Combine(root, parts[0]));
        }

        if (parts.Length >= 2 && IsAppName(parts[1]))
        {
            return new PathLocation(PathLocationKind.Bundle, Path.Combine(root, parts[0], parts[1]));
        }

        // The folder itself appeared, vanished or was renamed, or a non-bundle entry changed in it:
        // the set of bundles in that folder may have changed.
        return parts.Length <= 2
            ? new PathLocation(PathLocationKind.Container, Path.Combine(root, parts[0]))
            : PathLocation.None;
    }

    /// <summary>
    /// Bundle directories under <paramref name="root"/> (first and second level), in ordinal order.
    /// Symlinks are not followed: a symlinked .app or folder is not entered. Unreadable folders are
    /// reported through <paramref name="problems"/> and skipped.
    /// </summary>
    public static IReadOnlyList<string> FindBundles(string root, ICollection<string>? problems = null)
    {
        var found = new List<string>();
        foreach (var entry in SafeEnumerateDirectories(root, problems))
        {
            if (IsAppName(entry.Name))
            {
                found.Add(entry.FullName);
            }
            else
            {
                found.AddRange(SafeEnumerateDirectories(entry.FullName, problems)
                    .Where(child => IsAppName(child.Name))
                    .Select(child => child.FullName));
            }
        }

        found.Sort(StringComparer.Ordinal);
        return found;
    }

    /// <summary>Bundle directories directly inside one first-level container folder.</summary>
    public static IReadOnlyList<string> FindBundlesInContainer(string container, ICollection<string>? problems = null) =>
        [.. SafeEnumerateDirectories(container, problems)
            .Where(child => IsAppName(child.Name))
            .Select(child => child.FullName)
            .Order(StringComparer.Ordinal)];

    private static IEnumerable<DirectoryInfo> SafeEnumerateDirectories(string path, ICollection<string>? problems)
    {
        var dir = new DirectoryInfo(path);
        if (!dir.Exists || dir.LinkTarget is not null)
        {
            return [];
        }

        try
        {
            return dir.GetDirectories().Where(d => d.LinkTarget is null).ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problems?.Add($"{path}: cannot list directory: {e.Message}");
            return [];
        }
    }
}

public enum PathLocationKind
{
    None,
    Bundle,
    Container,
}

public readonly record struct PathLocation(PathLocationKind Kind, string Path)
{
    public static PathLocation None => default;
}
