using Xunit.Abstractions;

namespace SigWatch.Daemon.Tests.Packaging;

/// <summary>
/// The packaging tests publish self-contained builds (scripts/publish.sh, which lets one build of the checkout run at a
/// time) and install a package on this machine. Each package is its own collection, and both start first
/// (<see cref="PackagingFirstOrderer"/>): they are the longest (minutes of dotnet publish, then dpkg or sigwatch check)
/// and run beside the daemon tests, which mostly wait for quiet windows; none of those asserts a timing.
/// </summary>
public static class PackagingCollection
{
    public const string Debian = "packaging: Debian";

    public const string MacOS = "packaging: macOS";

    /// <summary>
    /// How long a package build may take before it counts as hung: its own publish and staging (~4–6 minutes here) and,
    /// built side by side, the other package's publish it waits for (scripts/publish.sh lets one run at a time).
    /// </summary>
    public static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(20);
}

[CollectionDefinition(PackagingCollection.Debian)]
public sealed class DebianPackagingCollection;

[CollectionDefinition(PackagingCollection.MacOS)]
public sealed class MacOSPackagingCollection;

/// <summary>
/// Starts the packaging collections before every other (xunit runs as many collections at once as the assembly's
/// MaxParallelThreads, in the order given here): otherwise they may start last, and the run waits minutes for them alone.
/// </summary>
public sealed class PackagingFirstOrderer : ITestCollectionOrderer
{
    public const string TypeName = "SigWatch.Daemon.Tests.Packaging.PackagingFirstOrderer";

    public IEnumerable<ITestCollection> OrderTestCollections(IEnumerable<ITestCollection> testCollections) =>
        testCollections
            .OrderBy(c => c.DisplayName switch
            {
                PackagingCollection.Debian => 0,
                PackagingCollection.MacOS => 1,
                _ => 2,
            })
            .ThenBy(c => c.UniqueID);
}
