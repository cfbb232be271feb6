using System.Runtime.Versioning;
using System.Text.Json;
using SigWatch.TestSupport;

namespace SigWatch.Core.Tests.Seal;

/// <summary>
/// Copies real bundles from ../shared/fixtures/real into a temp directory for verification and mutation. The shared
/// copies have their symlinks flattened into small files holding the target text (e.g. GZIP.framework/Versions/Current is
/// a 1-byte file "A"), while manifest.json records the original tree's symlinks (<c>tree_symlinks</c>); the copy puts them
/// back, so the bundle is what codesign signed.
/// </summary>
[SupportedOSPlatform("linux")]
[SupportedOSPlatform("macos")]
internal static class RealBundles
{
    public static string Copy(string fixture, string bundle, string destination)
    {
        var source = Path.Combine(RepoPaths.RealFixtures, fixture);
        var target = Path.Combine(destination, fixture);
        CopyTree(source, target);
        foreach (var (path, linkTarget) in ManifestSymlinks(fixture))
        {
            var full = Path.Combine(target, path);
            if (File.Exists(full) && new FileInfo(full).LinkTarget is null && File.ReadAllText(full) == linkTarget)
            {
                File.Delete(full);
                File.CreateSymbolicLink(full, linkTarget);
            }
        }

        return Path.Combine(target, bundle);
    }

    public static string Original(string fixture, string bundle) => Path.Combine(RepoPaths.RealFixtures, fixture, bundle);

    private static IEnumerable<(string Path, string Target)> ManifestSymlinks(string fixture)
    {
        using var manifest = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(RepoPaths.RealFixtures, "manifest.json")));
        foreach (var entry in manifest.RootElement.EnumerateArray())
        {
            if (entry.GetProperty("name").GetString() != fixture || !entry.TryGetProperty("files", out var files))
            {
                continue;
            }

            foreach (var file in files.EnumerateArray())
            {
                if (!file.TryGetProperty("facts", out var facts) || facts.ValueKind != JsonValueKind.Object || !facts.TryGetProperty("tree_symlinks", out var links) || links.ValueKind != JsonValueKind.Array)
                {
                    continue;
                }

                var bundle = file.GetProperty("path").GetString()!;
                foreach (var link in links.EnumerateArray())
                {
                    yield return (Path.Combine(bundle, link[0].GetString()!), link[1].GetString()!);
                }
            }
        }
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
