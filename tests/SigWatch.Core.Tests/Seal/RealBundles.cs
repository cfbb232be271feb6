using System.Runtime.Versioning;
using SigWatch.TestSupport;

namespace SigWatch.Core.Tests.Seal;

/// <summary>
/// Copies real bundles from the extracted fixture archive (<see cref="RepoPaths.RealFixtures"/>, symlinks intact) into a
/// temp directory for verification and mutation; the copy keeps symlinks as symlinks.
/// </summary>
[SupportedOSPlatform("linux")]
[SupportedOSPlatform("macos")]
internal static class RealBundles
{
    public static string Copy(string fixture, string bundle, string destination)
    {
        var target = Path.Combine(destination, fixture);
        TreeCopy.Copy(Path.Combine(RepoPaths.RealFixtures, fixture), target);
        return Path.Combine(target, bundle);
    }
}
