using SigWatch.Core.FileSystem;
using SigWatch.Core.Verification;

namespace SigWatch.Core.Seal;

/// <summary>
/// SEC StaticCode.cpp <c>validateSymlinkResource</c> with kSecCSStrictValidate and kSecCSRestrictSymlinks (codesign
/// --strict), for a sealed symlink whose target matches the seal (reference §8.5). The target is resolved physically, as
/// <c>realpath(3)</c> does (every symlink on the way followed), through the <see cref="IFileTree"/>:
/// <list type="bullet">
/// <item>an absolute target must resolve under <c>/System/</c> or <c>/Library/</c>;</item>
/// <item>a relative target must resolve into the resource root of this bundle or of a bundle enclosing it, to a path
/// that bundle's rules include (not omitted or excluded) or to its main executable;</item>
/// <item>a target that does not resolve (missing, a loop) fails.</item>
/// </list>
/// Off a Mac, <c>/System</c> and <c>/Library</c> do not exist: an absolute target under them that cannot be resolved
/// is reported as unchecked (a warning), not as a failure, since a Mac could have it.
/// </summary>
internal static class SymlinkRestriction
{
    /// <summary>MAXSYMLINKS (sys/param.h): realpath gives up with ELOOP after this many links.</summary>
    private const int MaxSymlinks = 32;

    private static readonly string[] s_allowedAbsolute = ["/System/", "/Library/"];

    public static void Check(IFileTree tree, SealContext context, string relative, string fullPath, string target, List<Finding> findings)
    {
        if (target.StartsWith('/'))
        {
            var absolute = RealPath(tree, target);
            if (absolute is null)
            {
                if (!OperatingSystem.IsMacOS() && s_allowedAbsolute.Any(a => target.StartsWith(a, StringComparison.Ordinal)))
                {
                    findings.Add(new Finding(FindingKind.SymlinkTargetUnchecked, FindingSeverity.Warning,
                        $"symlink points to '{target}', which cannot be resolved on this host; on a Mac it must exist", relative));
                    return;
                }

                findings.Add(new Finding(FindingKind.SymlinkEscapesBundle, FindingSeverity.Error,
                    $"symlink points to '{target}', which does not resolve (missing, or a loop)", relative));
            }
            else if (!s_allowedAbsolute.Any(a => absolute.StartsWith(a, StringComparison.Ordinal)))
            {
                findings.Add(new Finding(FindingKind.SymlinkEscapesBundle, FindingSeverity.Error,
                    $"symlink points to '{target}', which resolves to '{absolute}', outside /System and /Library", relative));
            }

            return;
        }

        var resolved = RealPath(tree, Path.GetDirectoryName(fullPath) + "/" + target);
        if (resolved is null)
        {
            findings.Add(new Finding(FindingKind.SymlinkEscapesBundle, FindingSeverity.Error,
                $"symlink points to '{target}', which does not resolve (missing, or a loop)", relative));
            return;
        }

        for (var scope = context; scope is not null; scope = scope.Outer)
        {
            // SEC compares with strncmp over the root's length and then skips one character, without checking that it
            // is a '/'; the same is done here so that the verdict is codesign's.
            var root = scope.RealResourceRoot(tree);
            if (root is null || !resolved.StartsWith(root, StringComparison.Ordinal))
            {
                continue;
            }

            var inside = resolved.Length > root.Length ? resolved[(root.Length + 1)..] : null;
            if (inside is not null && (inside == scope.MainExecutable || scope.Rules.FindRule(inside) is { IsOutsideSeal: false }))
            {
                return;
            }

            findings.Add(new Finding(FindingKind.SymlinkEscapesBundle, FindingSeverity.Error,
                $"symlink points to '{target}', which resolves to '{inside ?? "."}', a path the seal does not cover", relative));
            return;
        }

        findings.Add(new Finding(FindingKind.SymlinkEscapesBundle, FindingSeverity.Error,
            $"symlink points to '{target}', which resolves to '{resolved}', outside the bundle", relative));
    }

    /// <summary>
    /// The physical path of <paramref name="absolutePath"/> as <c>realpath(3)</c> gives it: symlinks followed (relative
    /// ones against the resolved directory), "." and ".." applied to the resolved prefix. Null when a component is
    /// missing or cannot be examined, a component before the last is not a directory, or more than 32 links are met.
    /// </summary>
    public static string? RealPath(IFileTree tree, string absolutePath)
    {
        var pending = new Stack<string>();
        Push(pending, absolutePath);
        var resolved = new List<string>();
        var links = 0;
        while (pending.Count > 0)
        {
            var component = pending.Pop();
            if (component is "" or ".")
            {
                continue;
            }

            if (component == "..")
            {
                if (resolved.Count > 0)
                {
                    resolved.RemoveAt(resolved.Count - 1);
                }

                continue;
            }

            var candidate = "/" + string.Join('/', resolved.Append(component));
            FileTreeEntry entry;
            string? link = null;
            try
            {
                entry = tree.Stat(candidate);
                if (entry.Kind == FileTreeKind.Symlink)
                {
                    link = tree.ReadLink(candidate);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return null;
            }

            switch (entry.Kind)
            {
                case FileTreeKind.Missing:
                    return null;
                case FileTreeKind.Symlink:
                    if (++links > MaxSymlinks || link is null)
                    {
                        return null;
                    }

                    if (link.StartsWith('/'))
                    {
                        resolved.Clear();
                    }

                    Push(pending, link);
                    break;
                case FileTreeKind.Directory:
                    resolved.Add(component);
                    break;
                default:
                    // ENOTDIR: only the last component may be something other than a directory.
                    if (pending.Any(p => p.Length > 0))
                    {
                        return null;
                    }

                    resolved.Add(component);
                    break;
            }
        }

        return "/" + string.Join('/', resolved);
    }

    private static void Push(Stack<string> pending, string path)
    {
        var parts = path.Split('/');
        for (var i = parts.Length - 1; i >= 0; i--)
        {
            pending.Push(parts[i]);
        }
    }
}
