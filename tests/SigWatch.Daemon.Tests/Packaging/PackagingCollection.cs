namespace SigWatch.Daemon.Tests.Packaging;

/// <summary>
/// The packaging tests publish self-contained builds and install a package on this machine: they run alone, after
/// the tests that run in parallel, so that their load does not fall on the daemon's tests.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PackagingCollection
{
    public const string Name = "packaging";
}
