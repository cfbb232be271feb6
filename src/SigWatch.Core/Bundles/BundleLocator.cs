using SigWatch.Core.FileSystem;

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

        if (parts.Length == 1 && DownloadKinds.KindOf(parts[0]) is not null)
        {
            // A download directly in the root is assessed like a bundle; a folder with such a name is checked by what it is.
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
    /// Bundle directories under <paramref name="root"/> (first and second level), in ordinal order, listed through
    /// <paramref name="tree"/>: names that are not valid UTF-8 are found exactly (<see cref="FileNames"/>), symlinks are
    /// not followed (a symlinked .app or folder is not entered). Unreadable folders are reported through
    /// <paramref name="problems"/> and skipped.
    /// </summary>
    public static IReadOnlyList<string> FindBundles(IFileTree tree, string root, ICollection<string>? problems = null)
    {
        var found = new List<string>();
        foreach (var entry in Directories(tree, root, problems))
        {
            var path = Path.Join(root, entry.Name);
            if (IsAppName(entry.Name))
            {
                found.Add(path);
            }
            else
            {
                found.AddRange(Directories(tree, path, problems).Where(child => IsAppName(child.Name)).Select(child => Path.Join(path, child.Name)));
            }
        }

        found.AddRange(Downloads(tree, root, problems));
        found.Sort(StringComparer.Ordinal);
        return found;
    }

    /// <summary>Regular files directly in <paramref name="root"/> named like a download (.dmg, .pkg, .zip); symlinks are not followed.</summary>
    public static IEnumerable<string> Downloads(IFileTree tree, string root, ICollection<string>? problems = null)
    {
        if (tree.StatOrUnknown(root).Kind != FileTreeKind.Directory)
        {
            return [];
        }

        try
        {
            return tree.List(root).Where(e => e.Kind == FileTreeKind.Regular && DownloadKinds.KindOf(e.Name) is not null)
                .Select(e => Path.Join(root, e.Name)).ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problems?.Add($"{FileNames.Display(root)}: cannot list directory: {e.Message}");
            return [];
        }
    }

    /// <summary>Bundle directories directly inside one first-level container folder.</summary>
    public static IReadOnlyList<string> FindBundlesInContainer(IFileTree tree, string container, ICollection<string>? problems = null) =>
        [.. Directories(tree, container, problems)
            .Where(child => IsAppName(child.Name))
            .Select(child => Path.Join(container, child.Name))
            .Order(StringComparer.Ordinal)];

    /// <summary>
    /// True when <paramref name="path"/> (as a file-system watcher reported it) cannot stand for a name on disk: .NET's
    /// watcher decodes names that are not valid UTF-8 with U+FFFD, so such an event only says "something changed here";
    /// the folder it is in must be listed (through the file tree, which keeps the exact bytes) to know what.
    /// </summary>
    public static bool IsLossy(string path) => path.Contains('\uFFFD', StringComparison.Ordinal);

    private static IEnumerable<FileTreeEntry> Directories(IFileTree tree, string path, ICollection<string>? problems)
    {
        if (tree.StatOrUnknown(path).Kind != FileTreeKind.Directory)
        {
            return [];
        }

        try
        {
            return tree.List(path).Where(e => e.Kind == FileTreeKind.Directory).ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problems?.Add($"{FileNames.Display(path)}: cannot list directory: {e.Message}");
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
