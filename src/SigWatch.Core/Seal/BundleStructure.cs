using SigWatch.Core.FileSystem;

namespace SigWatch.Core.Seal;

/// <summary>The three on-disk bundle shapes (reference §8.7).</summary>
public enum BundleShape
{
    /// <summary>macOS app, XPC service, plug-in: everything under <c>Contents/</c>.</summary>
    Deep,

    /// <summary>iOS-style: Info.plist, executable and _CodeSignature directly in the bundle directory.</summary>
    Shallow,

    /// <summary>Versioned framework: the code lives in <c>Versions/&lt;Current&gt;</c>, the root holds symlinks.</summary>
    Framework,
}

/// <summary>
/// Where a bundle's parts live (SEC bundlediskrep.cpp, reference §8.7): the resource root that CodeResources paths are
/// relative to (<c>Contents</c>, the bundle itself, or <c>Versions/&lt;v&gt;</c>), its Info.plist and _CodeSignature.
/// </summary>
public sealed record BundleStructure(string BundlePath, BundleShape Shape, string ResourceRoot, string ResourceRootPrefix,
    string InfoPlistPath, string CodeSignatureDirectory, string? VersionName)
{
    public const string ContentsDirectory = "Contents";
    public const string VersionsDirectory = "Versions";
    public const string CurrentVersion = "Current";
    public const string CodeSignatureDirectoryName = "_CodeSignature";

    /// <summary>The path of <paramref name="relative"/> (resource-root-relative, '/'-separated) on disk.</summary>
    public string FullPath(string relative) => relative.Length == 0 ? ResourceRoot : Path.Combine(ResourceRoot, relative);

    /// <summary>The main executable's directory: <c>Contents/MacOS</c> for deep bundles, else the resource root.</summary>
    public string ExecutableDirectory => Shape == BundleShape.Deep ? Path.Combine(ResourceRoot, "MacOS") : ResourceRoot;

    /// <summary>The executable's path relative to the resource root, as CodeResources would name it.</summary>
    public string ExecutableRelativePath(string executable) => Shape == BundleShape.Deep ? "MacOS/" + executable : executable;

    /// <summary>The layout of one version directory of a framework, current or not (SEC validateOtherVersions).</summary>
    public static BundleStructure FrameworkVersion(string bundlePath, string version)
    {
        var root = Path.Combine(bundlePath, VersionsDirectory, version);
        return new BundleStructure(bundlePath, BundleShape.Framework, root, $"{VersionsDirectory}/{version}",
            Path.Combine(root, "Resources", "Info.plist"), Path.Combine(root, CodeSignatureDirectoryName), version);
    }

    /// <summary>
    /// Detects the shape. Returns null with <paramref name="problem"/> for a framework whose <c>Versions/Current</c>
    /// is missing or points outside <c>Versions/</c>.
    /// </summary>
    public static BundleStructure? Detect(IFileTree tree, string bundlePath, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(tree);
        problem = null;
        var contents = Path.Combine(bundlePath, ContentsDirectory);
        if (tree.Stat(contents).Kind == FileTreeKind.Directory)
        {
            return new BundleStructure(bundlePath, BundleShape.Deep, contents, ContentsDirectory,
                Path.Combine(contents, "Info.plist"), Path.Combine(contents, CodeSignatureDirectoryName), null);
        }

        var versions = Path.Combine(bundlePath, VersionsDirectory);
        if (tree.Stat(versions).Kind == FileTreeKind.Directory && tree.Stat(Path.Combine(bundlePath, "Info.plist")).Kind == FileTreeKind.Missing)
        {
            var target = tree.ReadLink(Path.Combine(versions, CurrentVersion));
            // SEC validateFrameworkRoot: Current must name a sibling; "./A" is accepted.
            var version = target?.StartsWith("./", StringComparison.Ordinal) == true ? target[2..] : target;
            if (version is null || version.Length == 0 || version.Contains('/') || version is "." or "..")
            {
                problem = target is null
                    ? "a framework without a Versions/Current symlink"
                    : $"Versions/Current points to '{target}', not a sibling version directory";
                return null;
            }

            if (tree.Stat(Path.Combine(versions, version)).Kind != FileTreeKind.Directory)
            {
                problem = $"Versions/Current points to '{target}', which is not a directory";
                return null;
            }

            return FrameworkVersion(bundlePath, version);
        }

        return new BundleStructure(bundlePath, BundleShape.Shallow, bundlePath, string.Empty,
            Path.Combine(bundlePath, "Info.plist"), Path.Combine(bundlePath, CodeSignatureDirectoryName), null);
    }
}
