using System.Buffers.Binary;
using SigWatch.Core.CodeSigning.Requirements;
using SigWatch.TestSupport;

namespace SigWatch.Core.Tests.CodeSigning.Requirements;

/// <summary>
/// Test-only sources of real requirement sets: every 0xFADE0C01 blob found in ../shared/fixtures/real (embedded
/// signatures of Mach-O files and detached _CodeSignature/CodeRequirements files) and in the Developer ID-signed
/// dylibs of the Microsoft.NETCore.App.Runtime.osx-arm64 NuGet package. A magic match counts only when the blob's
/// own length and count are consistent and it decodes; that is enough to find slot 2 of each embedded signature
/// without depending on the Mach-O engine being written in parallel.
/// </summary>
internal static class RequirementSamples
{
    public const string RuntimePackageId = "microsoft.netcore.app.runtime.osx-arm64";
    public const string RuntimePackageVersion = "10.0.12";

    public static string NuGetPackagesRoot =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    public static string RuntimeNativeDirectory =>
        Path.Combine(NuGetPackagesRoot, RuntimePackageId, RuntimePackageVersion, "runtimes", "osx-arm64", "native");

    /// <summary>Distinct requirement-set blobs with the first file each was found in.</summary>
    public static IReadOnlyList<(string Source, byte[] Blob)> FromRealFixtures() => Scan(RepoPaths.RealFixtures, "*");

    public static IReadOnlyList<(string Source, byte[] Blob)> FromRuntimePackage() => Scan(RuntimeNativeDirectory, "*");

    private static List<(string Source, byte[] Blob)> Scan(string root, string pattern)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var found = new List<(string, byte[])>();
        foreach (var file in Directory.EnumerateFiles(root, pattern, SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            if (new FileInfo(file).LinkTarget is not null)
            {
                continue;
            }

            var bytes = File.ReadAllBytes(file);
            var inFile = 0;
            foreach (var blob in FindSets(bytes))
            {
                if (seen.Add(Convert.ToHexString(blob)))
                {
                    // A universal binary carries a set per slice: each is its own sample, named apart ("…#2"), or the
                    // theories keyed by source would run only the first.
                    var source = Path.GetRelativePath(root, file);
                    found.Add((++inFile == 1 ? source : $"{source}#{inFile}", blob));
                }
            }
        }

        return found;
    }

    private static IEnumerable<byte[]> FindSets(byte[] bytes)
    {
        ReadOnlySpan<byte> magic = [0xFA, 0xDE, 0x0C, 0x01];
        var results = new List<byte[]>();
        var at = 0;
        while (true)
        {
            var hit = bytes.AsSpan(at).IndexOf(magic);
            if (hit < 0)
            {
                return results;
            }

            var start = at + hit;
            at = start + 4;
            if (bytes.Length - start < 12)
            {
                continue;
            }

            var length = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(start + 4));
            if (length < 12 || length > (uint)(bytes.Length - start))
            {
                continue;
            }

            var candidate = bytes.AsSpan(start, (int)length).ToArray();
            if (RequirementSet.TryDecode(candidate, out _, out _))
            {
                results.Add(candidate);
            }
        }
    }

    /// <summary>Hex with whitespace allowed, for hand-written blobs in tests.</summary>
    public static byte[] Hex(string text) => Convert.FromHexString(string.Concat(text.Where(c => !char.IsWhiteSpace(c))));
}
