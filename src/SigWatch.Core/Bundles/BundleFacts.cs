namespace SigWatch.Core.Bundles;

/// <summary>
/// What an assessment found about one app bundle and what is stored and compared: Info.plist identity, presence of the
/// seal and the main executable, the tree's size and fingerprint, the quarantine story, and the signature with its seal
/// and designated requirement. Two assessments differ only when these values differ (<see cref="HasSameValues"/>); what
/// an assessment cost is kept apart (<see cref="Assessment.AssessmentCost"/>).
/// </summary>
public sealed record BundleFacts
{
    /// <summary>Null for an app bundle; <see cref="DownloadKinds"/> for a download file (disk-image, installer-package, archive).</summary>
    public string? Kind { get; init; }

    public string? BundleIdentifier { get; init; }

    public string? BundleName { get; init; }

    public string? ShortVersion { get; init; }

    public string? BundleVersion { get; init; }

    public string? Executable { get; init; }

    public bool HasInfoPlist { get; init; }

    /// <summary>Why Info.plist could not be read (what, where, why); null when read or absent.</summary>
    public string? InfoPlistError { get; init; }

    public bool HasCodeResources { get; init; }

    public bool HasMainExecutable { get; init; }

    /// <summary>SHA-256 of the main executable's whole file (hex), when the assessor was asked for it and could read it.</summary>
    public string? ExecutableSha256 { get; init; }

    public long FileCount { get; init; }

    public long TotalSize { get; init; }

    public IReadOnlyList<string> WalkProblems { get; init; } = [];

    /// <summary>True when the bundle was still changing when it was assessed (it never settled); its verdict may be transient.</summary>
    public bool Unstable { get; init; }

    /// <summary>The bundle's code-signature state; null when the signature was not verified.</summary>
    public SignatureSummary? Signature { get; init; }

    /// <summary>The bundle's quarantine story (its own quarantine, provenance, quarantined files inside); null when not read.</summary>
    public Quarantine.QuarantineStory? Quarantine { get; init; }

    /// <summary>
    /// <see cref="BundleInventory.Fingerprint"/>: a hash over the tree's listing (name, type, size, symlink
    /// target), a cheap "did anything change" signal that reads no file contents.
    /// </summary>
    public string TreeFingerprint { get; init; } = string.Empty;

    /// <summary>
    /// True when every value equals <paramref name="other"/>'s: compared as the JSON trees the store keeps (every field,
    /// lists element by element), never as strings, so nothing that is not a fact can make two assessments differ.
    /// </summary>
    public bool HasSameValues(BundleFacts other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return System.Text.Json.Nodes.JsonNode.DeepEquals(
            System.Text.Json.JsonSerializer.SerializeToNode(this, BundleFactsJson.Default.BundleFacts),
            System.Text.Json.JsonSerializer.SerializeToNode(other, BundleFactsJson.Default.BundleFacts));
    }

    /// <summary>Field-by-field differences from an earlier assessment, for event summaries.</summary>
    public IReadOnlyList<string> DescribeChangesFrom(BundleFacts previous)
    {
        var changes = new List<string>();
        void Compare(string name, string? before, string? after)
        {
            if (!string.Equals(before, after, StringComparison.Ordinal))
            {
                changes.Add($"{name} {Show(before)} -> {Show(after)}");
            }
        }

        Compare("CFBundleIdentifier", previous.BundleIdentifier, BundleIdentifier);
        Compare("CFBundleName", previous.BundleName, BundleName);
        Compare("CFBundleShortVersionString", previous.ShortVersion, ShortVersion);
        Compare("CFBundleVersion", previous.BundleVersion, BundleVersion);
        Compare("CFBundleExecutable", previous.Executable, Executable);
        Compare("Info.plist error", previous.InfoPlistError, InfoPlistError);
        if (previous.HasInfoPlist != HasInfoPlist)
        {
            changes.Add(HasInfoPlist ? "Info.plist appeared" : "Info.plist removed");
        }

        if (previous.HasCodeResources != HasCodeResources)
        {
            changes.Add(HasCodeResources ? "_CodeSignature/CodeResources appeared" : "_CodeSignature/CodeResources removed");
        }

        if (previous.HasMainExecutable != HasMainExecutable)
        {
            changes.Add(HasMainExecutable ? "main executable appeared" : "main executable missing");
        }

        if (previous.Unstable != Unstable)
        {
            changes.Add(Unstable ? "still changing (never settled)" : "settled");
        }

        if (previous.FileCount != FileCount)
        {
            changes.Add($"files {previous.FileCount} -> {FileCount}");
        }

        if (previous.TotalSize != TotalSize)
        {
            changes.Add($"size {previous.TotalSize} -> {TotalSize} bytes");
        }

        // Fingerprints of an earlier scheme (stored by an older sigwatchd) say nothing about this one.
        if (changes.Count == 0 && !string.Equals(previous.TreeFingerprint, TreeFingerprint, StringComparison.Ordinal)
            && SameScheme(previous.TreeFingerprint, TreeFingerprint))
        {
            changes.Add("files renamed, replaced or retyped");
        }

        return changes;

        static string Show(string? value) => value is null ? "(none)" : $"\"{value}\"";

        static bool SameScheme(string a, string b) =>
            a.StartsWith(BundleInventory.FingerprintScheme, StringComparison.Ordinal) == b.StartsWith(BundleInventory.FingerprintScheme, StringComparison.Ordinal);
    }
}

/// <summary>The stored form of <see cref="BundleFacts"/> (camelCase, every field written), used by the store and by <see cref="BundleFacts.HasSameValues"/>.</summary>
[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.Never)]
[System.Text.Json.Serialization.JsonSerializable(typeof(BundleFacts))]
[System.Text.Json.Serialization.JsonSerializable(typeof(Assessment.AssessmentCost))]
public sealed partial class BundleFactsJson : System.Text.Json.Serialization.JsonSerializerContext;
