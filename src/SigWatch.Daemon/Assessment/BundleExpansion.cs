using SigWatch.Core.Bundles;
using SigWatch.Core.FileSystem;
using SigWatch.Daemon.Store;
using SigWatch.Daemon.Watching;

namespace SigWatch.Daemon.Assessment;

/// <summary>
/// The one expansion of a root or a first-level folder into the bundles to assess: the bundles on disk (listed through
/// the file tree, so names that are not UTF-8 are found exactly) and the bundles the store still has there (they are
/// assessed too, and end as bundle-removed when they are gone). Used for reconciles, watcher overflows and rescans alike.
/// </summary>
internal sealed class BundleExpansion(IFileTree tree, SigWatchStore store)
{
    /// <summary>The bundle paths <paramref name="item"/> (a <see cref="WorkKind.Root"/> or <see cref="WorkKind.Container"/>) stands for.</summary>
    public IReadOnlyList<string> Expand(WorkItem item, ICollection<string> problems)
    {
        IEnumerable<string> onDisk;
        IEnumerable<string> inStore;
        if (item.Kind == WorkKind.Root)
        {
            onDisk = BundleLocator.FindBundles(tree, item.Path, problems);
            inStore = store.PresentBundlePathsUnder(item.Path);
        }
        else
        {
            onDisk = BundleLocator.FindBundlesInContainer(tree, item.Path, problems);
            inStore = store.PresentBundlePathsUnder(item.Path).Where(p => Path.GetDirectoryName(p) == item.Path);
        }

        return [.. onDisk.Union(inStore, StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }
}
