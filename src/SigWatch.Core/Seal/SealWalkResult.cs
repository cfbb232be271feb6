using SigWatch.Core.FileSystem;
using SigWatch.Core.Verification;

namespace SigWatch.Core.Seal;

/// <summary>Nested code found by the walk, verified after it.</summary>
internal sealed record NestedJob(string Path, string FullPath, bool IsDirectory, SealedResource Sealed);

/// <summary>
/// What a walk saw: the findings it made, each added, modified and missing path with its on-disk entry (for the
/// diagnoses), and which directories it listed or stopped at, so that <see cref="BundleVerifier.Reverify"/> can redo the
/// walk for a changed region only. Every item carries its resource-root-relative path, which is what region merging
/// keys on.
/// </summary>
internal sealed class SealWalkResult
{
    public List<Finding> Findings { get; } = [];

    public List<NestedJob> NestedJobs { get; } = [];

    public List<(string Path, FileTreeEntry Entry)> Added { get; } = [];

    public List<(string Path, FileTreeEntry Entry)> Modified { get; } = [];

    public List<string> Missing { get; } = [];

    /// <summary>Every path the walk visited that is AppleDouble debris (<c>._*</c>, <c>__MACOSX</c>), sealed or not.</summary>
    public List<string> AppleDouble { get; } = [];

    /// <summary>Regular files and directories visited that carry com.apple.quarantine (the quarantine diagnosis).</summary>
    public List<string> Quarantined { get; } = [];

    /// <summary>
    /// Sealed symlinks whose destination the strict check examined: their verdict depends on paths elsewhere (the
    /// target, the links on its way), so a re-verification checks them all again.
    /// </summary>
    public List<(string Path, string FullPath, string Target)> CheckedSymlinks { get; } = [];

    /// <summary>Directories whose entries the walk listed ("" is the resource root).</summary>
    public HashSet<string> Listed { get; } = new(StringComparer.Ordinal);

    /// <summary>Directories the rules exclude: nothing below them is part of the seal.</summary>
    public HashSet<string> Excluded { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Entries examined (bounded by <see cref="BundleVerifierOptions.MaxEntries"/>). After re-verifications an upper bound:
    /// a region's entries are added again without the old count being taken off; a full walk starts it afresh.
    /// </summary>
    public int Entries { get; set; }

    /// <summary>The walk stopped early (entry limit): only a full walk can say what the rest holds.</summary>
    public bool Truncated { get; set; }

    /// <summary>True when <paramref name="path"/> is <paramref name="region"/> itself or lies below it.</summary>
    public static bool InRegion(string path, string region) =>
        region.Length == 0 || path == region || (path.Length > region.Length && path[region.Length] == '/' && path.StartsWith(region, StringComparison.Ordinal));

    /// <summary>Drops everything recorded at or below any of <paramref name="regions"/>.</summary>
    public void RemoveRegions(RegionMatcher regions)
    {
        bool Inside(string? path) => path is not null && regions.Contains(path);
        Findings.RemoveAll(f => Inside(f.Path));
        NestedJobs.RemoveAll(j => Inside(j.Path));
        Added.RemoveAll(a => Inside(a.Path));
        Modified.RemoveAll(m => Inside(m.Path));
        Missing.RemoveAll(Inside);
        AppleDouble.RemoveAll(Inside);
        Quarantined.RemoveAll(Inside);
        CheckedSymlinks.RemoveAll(c => Inside(c.Path));
        Listed.RemoveWhere(Inside);
        Excluded.RemoveWhere(Inside);
    }

    /// <summary>Adds what a region walk found (after <see cref="RemoveRegions"/> dropped the old state of the same regions).</summary>
    public void Merge(SealWalkResult region)
    {
        Findings.AddRange(region.Findings);
        NestedJobs.AddRange(region.NestedJobs);
        Added.AddRange(region.Added);
        Modified.AddRange(region.Modified);
        Missing.AddRange(region.Missing);
        AppleDouble.AddRange(region.AppleDouble);
        Quarantined.AddRange(region.Quarantined);
        CheckedSymlinks.AddRange(region.CheckedSymlinks);
        Listed.UnionWith(region.Listed);
        Excluded.UnionWith(region.Excluded);
        Entries += region.Entries;
        Truncated |= region.Truncated;
    }

    public SealWalkResult Clone()
    {
        var copy = new SealWalkResult();
        copy.Merge(this);
        return copy;
    }
}
