using System.Reflection;
using System.Text.Json;
using SigWatch.TestSupport;

namespace SigWatch.Core.Tests.Verification;

/// <summary>Locations of the real signed artifacts: ../shared/fixtures/real and the NuGet runtime packs.</summary>
internal static class RealArtifacts
{
    public const string RuntimeVersion = "10.0.12";

    public static string NuGetPackageRoot =>
        typeof(RealArtifacts).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .First(a => a.Key == "NuGetPackageRoot").Value!;

    /// <summary>Every dylib of the osx-arm64 and osx-x64 runtime packs (brought in by PackageDownload).</summary>
    public static IEnumerable<string> RuntimePackDylibs()
    {
        foreach (var rid in new[] { "osx-arm64", "osx-x64" })
        {
            var dir = Path.Combine(NuGetPackageRoot, $"microsoft.netcore.app.runtime.{rid}", RuntimeVersion, "runtimes", rid, "native");
            foreach (var file in Directory.EnumerateFiles(dir, "*.dylib").Order(StringComparer.Ordinal))
            {
                yield return file;
            }
        }
    }

    public static string LibCoreClr(string rid = "osx-arm64") =>
        Path.Combine(NuGetPackageRoot, $"microsoft.netcore.app.runtime.{rid}", RuntimeVersion, "runtimes", rid, "native", "libcoreclr.dylib");

    public static JsonElement LoadManifest() =>
        JsonDocument.Parse(File.ReadAllBytes(Path.Combine(RepoPaths.RealFixtures, "manifest.json"))).RootElement;

    /// <summary>Each Mach-O file of the manifest: (entry name, relative path, facts).</summary>
    public static IEnumerable<(string Entry, string Path, JsonElement Facts)> ManifestMachOFiles()
    {
        if (!RepoPaths.HasRealFixtures)
        {
            yield break;
        }

        foreach (var entry in LoadManifest().EnumerateArray())
        {
            if (!entry.TryGetProperty("files", out var files))
            {
                continue;
            }

            foreach (var file in files.EnumerateArray())
            {
                if (file.GetProperty("facts") is { ValueKind: JsonValueKind.Object } facts
                    && facts.GetProperty("type").GetString()!.StartsWith("macho", StringComparison.Ordinal))
                {
                    yield return (entry.GetProperty("name").GetString()!, file.GetProperty("path").GetString()!, facts);
                }
            }
        }
    }

    /// <summary>Each bundle with a Mach-O main executable: (entry, bundle path, facts).</summary>
    public static IEnumerable<(string Entry, string Path, JsonElement Facts)> ManifestBundleExecutables()
    {
        if (!RepoPaths.HasRealFixtures)
        {
            yield break;
        }

        foreach (var entry in LoadManifest().EnumerateArray())
        {
            if (!entry.TryGetProperty("files", out var files))
            {
                continue;
            }

            foreach (var file in files.EnumerateArray())
            {
                if (file.GetProperty("facts") is { ValueKind: JsonValueKind.Object } facts
                    && facts.GetProperty("type").GetString() == "bundle"
                    && facts.TryGetProperty("main_slices", out var slices) && slices.GetArrayLength() > 0)
                {
                    yield return (entry.GetProperty("name").GetString()!, file.GetProperty("path").GetString()!, facts);
                }
            }
        }
    }
}
