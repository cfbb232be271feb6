namespace SigWatch.Daemon.Tests.Packaging;

/// <summary>
/// The packaging tests publish self-contained builds and install a package on this machine: one at a time (they
/// share the publish output under artifacts/), beside the other test collections. Most of their time is spent in
/// dotnet publish and dpkg while the daemon tests mostly wait for quiet windows; none of those asserts a timing.
/// </summary>
[CollectionDefinition(Name)]
public sealed class PackagingCollection
{
    public const string Name = "packaging";
}
