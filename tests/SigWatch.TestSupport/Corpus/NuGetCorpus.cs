using System.Reflection;
using System.Security.Cryptography;
using System.Text.Json;
using Xunit;

namespace SigWatch.TestSupport.Corpus;

/// <summary>One slice's facts as scripts/corpus/macho_facts.py established them from the bytes, independently of SigWatch.</summary>
public sealed record CorpusSlice(string Arch, bool Signed, string Classification, string? Team, string? Identifier,
    IReadOnlyList<(uint Slot, int HashType, string CdHash)> CodeDirectories, bool? CmsVerifies, bool Timestamp);

/// <summary>One Mach-O file of a NuGet package and its facts.</summary>
public sealed record CorpusFile(string Package, string Version, string RelativePath, string Sha256, bool Universal,
    IReadOnlyList<CorpusSlice> Slices)
{
    /// <summary>Where the restore put it (PackageDownload in SigWatch.TestSupport.csproj).</summary>
    public string FullPath => Path.Combine(NuGetCorpus.PackageRoot, Package.ToLowerInvariant(), Version, RelativePath);

    public string Name => $"{Package}/{Version}/{RelativePath}";

    public override string ToString() => Name;

    /// <summary>Reads the file and checks it is the one the facts are about.</summary>
    public byte[] Read()
    {
        if (!File.Exists(FullPath))
        {
            throw new FileNotFoundException($"{Name} is not in the NuGet cache; the restore of SigWatch.TestSupport (PackageDownload) should have put it there", FullPath);
        }

        var bytes = File.ReadAllBytes(FullPath);
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        return sha == Sha256 ? bytes : throw new InvalidOperationException($"{Name} has SHA-256 {sha}, the facts are about {Sha256}");
    }
}

/// <summary>
/// The real-code corpus: macOS binaries shipped in NuGet packages (tests/SigWatch.TestSupport/Corpus/NuGetCorpus.json),
/// with facts from an independent reader of the bytes (scripts/corpus/macho_facts.py: Python, the format reference,
/// and openssl for the CMS), so tests compare SigWatch's engine with facts it did not produce.
/// </summary>
public static class NuGetCorpus
{
    private static readonly Lazy<IReadOnlyList<CorpusFile>> s_files = new(Load);

    public static string PackageRoot =>
        typeof(NuGetCorpus).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "NuGetPackageRoot").Value!;

    public static IReadOnlyList<CorpusFile> Files => s_files.Value;

    /// <summary>For xunit's MemberData: one row per file, by name.</summary>
    public static TheoryData<string> FileNames() => [.. Files.Select(f => f.Name)];

    public static CorpusFile Get(string name) => Files.Single(f => f.Name == name);

    private static IReadOnlyList<CorpusFile> Load()
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(RepoPaths.Root, "tests", "SigWatch.TestSupport", "Corpus", "NuGetCorpus.json")));
        return [.. document.RootElement.GetProperty("files").EnumerateArray().Select(ReadFile)];
    }

    private static CorpusFile ReadFile(JsonElement file) => new(
        file.GetProperty("package").GetString()!,
        file.GetProperty("version").GetString()!,
        file.GetProperty("path").GetString()!,
        file.GetProperty("sha256").GetString()!,
        file.GetProperty("universal").GetBoolean(),
        [.. file.GetProperty("slices").EnumerateArray().Select(ReadSlice)]);

    private static CorpusSlice ReadSlice(JsonElement slice) => new(
        slice.GetProperty("arch").GetString()!,
        slice.GetProperty("signed").GetBoolean(),
        slice.GetProperty("classification").GetString()!,
        slice.GetProperty("team").GetString(),
        slice.GetProperty("identifier").GetString(),
        [.. slice.GetProperty("codeDirectories").EnumerateArray().Select(cd =>
            ((uint)cd.GetProperty("slot").GetInt32(), cd.GetProperty("hashType").GetInt32(), cd.GetProperty("cdhash").GetString()!))],
        slice.GetProperty("cmsVerifies") is { ValueKind: JsonValueKind.True or JsonValueKind.False } cms ? cms.GetBoolean() : null,
        slice.GetProperty("timestamp").ValueKind == JsonValueKind.True);
}
