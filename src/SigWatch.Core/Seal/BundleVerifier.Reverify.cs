using SigWatch.Core.FileSystem;
using SigWatch.Core.Verification;

namespace SigWatch.Core.Seal;

/// <summary>Re-verification of the regions a change set touched (see <see cref="Reverify"/>).</summary>
public sealed partial class BundleVerifier
{
    /// <summary>Redoes what <paramref name="changes"/> touched (see <see cref="Reverify"/>); anything else falls back to a full walk.</summary>
    private BundleVerificationReport ReverifyBundle(SealState state, IReadOnlyList<string> changes, SealStatistics statistics, ProgressCounter progress)
    {
        var context = state.Context;
        var structure = context.Structure;
        BundleVerificationReport Full() => VerifyBundle(structure.BundlePath, context.Outer, context.Nesting, statistics, progress);

        foreach (var (path, entry) in state.Anchors)
        {
            if (_tree.StatOrUnknown(path) != entry)
            {
                return Full();
            }
        }

        var infoRelative = RelativeTo(structure.ResourceRoot, structure.InfoPlistPath);
        var nestedBundles = state.Nested.Where(n => n.Job.IsDirectory).Select(n => n.Job.Path).ToHashSet(StringComparer.Ordinal);
        var regions = new List<string>();
        var dirtyNested = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var change in changes)
        {
            if (RelativeTo(structure.BundlePath, change) is null)
            {
                continue; // not inside this bundle
            }

            var relative = RelativeTo(structure.ResourceRoot, change);
            if (relative is null)
            {
                return Full(); // the bundle directory itself or beside the resource root: the strict root checks
            }

            if (relative.Length == 0)
            {
                continue; // the resource root's own attributes; its entries arrive as changes of their own
            }

            var segments = relative.Split('/');
            if (segments[0] == BundleStructure.CodeSignatureDirectoryName || relative == infoRelative
                || (state.Main.ExecutableRelative is { } executable && SealWalkResult.InRegion(relative, executable))
                || segments.Any(s => s is "" or "." or ".."))
            {
                return Full();
            }

            switch (Locate(state, nestedBundles, segments))
            {
                case (RegionKind.Region, var region):
                    regions.Add(region);
                    break;
                case (RegionKind.Nested, var job):
                    if (!dirtyNested.TryGetValue(job, out var list))
                    {
                        dirtyNested[job] = list = [];
                    }

                    list.Add(change);
                    break;
                case (RegionKind.Whole, _):
                    return Full();
            }
        }

        // A region inside another is walked as part of it; shortest first, so outer regions are kept before their insides.
        var distinct = new RegionMatcher([.. regions.Distinct(StringComparer.Ordinal)]);
        regions = [.. regions.Distinct(StringComparer.Ordinal).OrderBy(r => r.Length).ThenBy(r => r, StringComparer.Ordinal)
            .Where(r => r.LastIndexOf('/') is var slash and >= 0 ? !distinct.Contains(r[..slash]) : true)];
        var matcher = new RegionMatcher(regions);
        var walk = state.Walk.Clone();
        if (regions.Count > 0)
        {
            walk.RemoveRegions(matcher);
            var regionWalk = new SealWalk(_tree, _options, context, statistics, progress).RunRegions(regions, matcher);
            walk.Merge(regionWalk);
            statistics.AddRegionWalks(regions.Count);
            if (walk.Truncated || walk.Entries > _options.MaxEntries)
            {
                return Full();
            }
        }

        // A sealed symlink's verdict depends on other paths (its target, the links on the way): every one outside the
        // regions is checked again. Nested bundles with such symlinks are re-verified for the same reason.
        var recheck = walk.CheckedSymlinks.Where(c => !matcher.Contains(c.Path)).ToList();
        if (recheck.Count > 0)
        {
            var rechecked = recheck.Select(c => c.Path).ToHashSet(StringComparer.Ordinal);
            walk.Findings.RemoveAll(f => f.Kind is FindingKind.SymlinkEscapesBundle or FindingKind.SymlinkTargetUnchecked
                && f.Path is { } path && rechecked.Contains(path));
            foreach (var (path, fullPath, target) in recheck)
            {
                SymlinkRestriction.Check(_tree, context, path, fullPath, target, walk.Findings);
            }
        }

        var nested = new List<NestedState>();
        foreach (var previous in state.Nested)
        {
            if (matcher.Contains(previous.Job.Path))
            {
                continue; // walked again: the region walk found it anew (or found it gone)
            }

            nested.Add(dirtyNested.TryGetValue(previous.Job.Path, out var inside)
                ? VerifyNested(previous.Job, context, statistics, progress, previous.Report.Bundle, inside)
                : previous.Report.Bundle?.State is { HasSymlinkChecks: true } nestedState
                    ? RecheckSymlinks(previous, nestedState, context, statistics, progress)
                    : previous);
        }

        nested.AddRange(walk.NestedJobs.Where(j => matcher.Contains(j.Path))
            .Select(job => VerifyNested(job, context, statistics, progress, null, null)));
        var next = new SealState(context, state.Global, walk, nested, state.Anchors, state.Main, state.SigningTime);
        return Compose(structure.BundlePath, structure, state.Main, state.SigningTime, state.Global, walk, nested, statistics, next, state.Context.Seal);
    }

    // Nothing changed inside the nested bundle, but its symlinks' destinations may have (they can point into this one):
    // re-verify it with no changes, which checks them again; only if that changes its result is its requirement
    // evaluated again (the signature is the same, so the rest of its verdict is).
    private NestedState RecheckSymlinks(NestedState previous, SealState nestedState, SealContext context, SealStatistics statistics,
        ProgressCounter progress)
    {
        var again = ReverifyBundle(nestedState, [], statistics, progress);
        var before = previous.Report.Bundle!;
        return again.Verdict == before.Verdict && again.Findings.SequenceEqual(before.Findings)
            ? previous with { Report = previous.Report with { Bundle = again.Detach() } }
            : VerifyNested(previous.Job, context, statistics, progress, before, []);
    }

    private enum RegionKind
    {
        Region,
        Nested,
        Ignored,
        Whole,
    }

    // '/'-separated path of `path` below `root`; "" for the root itself; null when outside it.
    private static string? RelativeTo(string root, string path)
    {
        if (path == root)
        {
            return string.Empty;
        }

        return path.Length > root.Length && path[root.Length] == '/' && path.StartsWith(root, StringComparison.Ordinal)
            ? path[(root.Length + 1)..]
            : null;
    }

    // Where a change lands: the highest ancestor the previous walk did not list (a new or replaced directory is walked
    // whole, so events a watcher missed inside it do not matter), nested code containing it, or nothing (excluded).
    private (RegionKind Kind, string Path) Locate(SealState state, HashSet<string> nestedBundles, string[] segments)
    {
        var walk = state.Walk;
        var path = string.Empty;
        for (var i = 0; i < segments.Length; i++)
        {
            // A name that is not UTF-8 comes back with U+FFFD and cannot be opened again: walk its directory instead.
            if (segments[i].Contains('\uFFFD', StringComparison.Ordinal))
            {
                return path.Length == 0 ? (RegionKind.Whole, path) : (RegionKind.Region, path);
            }

            path = i == 0 ? segments[0] : path + "/" + segments[i];
            if (i == segments.Length - 1)
            {
                return (RegionKind.Region, path);
            }

            if (nestedBundles.Contains(path))
            {
                return (RegionKind.Nested, path);
            }

            if (walk.Excluded.Contains(path))
            {
                return (RegionKind.Ignored, path);
            }

            if (!walk.Listed.Contains(path) || _tree.StatOrUnknown(Path.Combine(state.Context.Structure.ResourceRoot, path)).Kind != FileTreeKind.Directory)
            {
                return (RegionKind.Region, path);
            }
        }

        return (RegionKind.Whole, path);
    }
}
