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
        CopyTree(Path.Combine(RepoPaths.RealFixtures, fixture), target);
        return Path.Combine(target, bundle);
    }

    private static void CopyTree(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (var info in new DirectoryInfo(source).EnumerateFileSystemInfos())
        {
            var destination = Path.Combine(target, info.Name);
            if (info.LinkTarget is { } link)
            {
                File.CreateSymbolicLink(destination, link);
            }
            else if (info is DirectoryInfo)
            {
                CopyTree(info.FullName, destination);
            }
            else
            {
                File.Copy(info.FullName, destination);
                File.SetUnixFileMode(destination, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
                File.SetLastWriteTimeUtc(destination, File.GetLastWriteTimeUtc(info.FullName));
            }
        }
    }
}
