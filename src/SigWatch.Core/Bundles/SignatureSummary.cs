using SigWatch.Core.CodeSigning;
using SigWatch.Core.FileSystem;
using SigWatch.Core.Plist;
using SigWatch.Core.Verification;

namespace SigWatch.Core.Bundles;

/// <summary>One verification finding as the inventory keeps it.</summary>
public sealed record SummaryFinding(string Kind, string Severity, string? Path, string Detail);

/// <summary>One diagnosis (why the seal broke, in words) as the inventory keeps it.</summary>
public sealed record SummaryDiagnosis(string Kind, IReadOnlyList<string> Paths, string Explanation, string Remedy);

/// <summary>
/// The signature state the daemon keeps per assessment: verdict, who signed, hardened runtime,
/// entitlements (with the risky ones named), notarization ticket presence and the findings that
/// make the verdict. Built from a <see cref="VerificationReport"/>; small enough to store as JSON.
/// </summary>
public sealed record SignatureSummary
{
    /// <summary>Findings kept per assessment; <see cref="FindingCount"/> is always exact.</summary>
    public const int MaxFindings = 200;

    /// <summary>
    /// Entitlements that weaken the hardened runtime or allow debugging (USER-PROBLEMS.md row 8;
    /// Apple's "Hardened Runtime" entitlement list).
    /// </summary>
    public static IReadOnlyList<string> RiskyEntitlementNames { get; } =
    [
        "com.apple.security.cs.disable-library-validation",
        "com.apple.security.cs.allow-jit",
        "com.apple.security.cs.allow-unsigned-executable-memory",
        "com.apple.security.cs.allow-dyld-environment-variables",
        "com.apple.security.cs.disable-executable-page-protection",
        "com.apple.security.cs.debugger",
        "com.apple.security.get-task-allow",
        "get-task-allow",
    ];

    public required string Verdict { get; init; }

    public required string Classification { get; init; }

    public string? Identifier { get; init; }

    public string? TeamId { get; init; }

    public string? CdHash { get; init; }

    /// <summary>The hash type of the CodeDirectory the verdict rests on ("sha256"); null when unsigned or for a package.</summary>
    public string? DigestAlgorithm { get; init; }

    /// <summary>The signing certificate's common name ("Developer ID Application: Name (TEAMID)"); null when ad-hoc or unsigned.</summary>
    public string? SignerSubject { get; init; }

    /// <summary>Whether the signer's chain ends at a pinned Apple root (false when ad-hoc, unsigned or untrusted).</summary>
    public bool ChainTrusted { get; init; }

    /// <summary>
    /// The digest of <c>_CodeSignature/CodeResources</c> as signed (the CodeDirectory's special slot 3, hex); null when the
    /// code has no resource seal. With <see cref="CdHash"/> it identifies the signed bundle for copy lineage.
    /// </summary>
    public string? ResourcesDigest { get; init; }

    public bool HardenedRuntime { get; init; }

    public IReadOnlyList<string> Flags { get; init; } = [];

    /// <summary>The signer's own clock (CMS signingTime): not secure.</summary>
    public DateTimeOffset? DeclaredSigningTime { get; init; }

    /// <summary>The RFC 3161 timestamp from Apple's TSA: secure.</summary>
    public DateTimeOffset? Timestamp { get; init; }

    /// <summary>Whether a notarization ticket is stapled (<c>Contents/CodeResources</c>, reference §9); its content is not verified offline.</summary>
    public bool NotarizationTicketStapled { get; init; }

    /// <summary>Top-level entitlement keys set in the signature.</summary>
    public IReadOnlyList<string> Entitlements { get; init; } = [];

    /// <summary>The entitlements from <see cref="RiskyEntitlementNames"/> that are granted (value true).</summary>
    public IReadOnlyList<string> RiskyEntitlements { get; init; } = [];

    public IReadOnlyList<SummaryFinding> Findings { get; init; } = [];

    public int FindingCount { get; init; }

    /// <summary>The native verifier's verdict (Security framework, macOS); null where it did not run.</summary>
    public string? NativeVerdict { get; init; }

    /// <summary>
    /// Where the managed and the native verifier disagree ("verdict: managed=valid native=invalid", …):
    /// SigWatch's correctness signal from the field. Empty when they agree or the native one did not run.
    /// </summary>
    public IReadOnlyList<string> VerifierDisagreements { get; init; } = [];

    /// <summary>What the seal verifier's diagnosis layer explains (normalization mismatch, added after signing, …).</summary>
    public IReadOnlyList<SummaryDiagnosis> Diagnoses { get; init; } = [];

    /// <summary>The designated requirement in canonical text (explicit, or as Apple would synthesize it); null when unsigned.</summary>
    public string? DesignatedRequirement { get; init; }

    /// <summary>"explicit" (in the signature's internal requirements) or "implicit" (synthesized); null when unsigned.</summary>
    public string? DesignatedRequirementSource { get; init; }

    /// <summary>Whether the code satisfies its designated requirement: "satisfied", "not-satisfied" or "unknown".</summary>
    public string? DesignatedRequirementSatisfied { get; init; }

    public bool IsValid => Verdict == "valid";

    // Findings about a sealed file: the path says what happened. For every other kind the detail is the cause
    // ("LC_CODE_SIGNATURE … the signature data is missing"), so it goes into the one-line summary too.
    private static readonly HashSet<string> s_pathSaysIt = new(StringComparer.Ordinal)
    {
        "file-added", "file-missing", "file-modified", "symlink-modified", "normalization-mismatch",
        "resource-sideband-data", "unsealed-root-content", "symlink-escapes-bundle", "unsupported-file-type",
    };

    private const int MaxDetailLength = 200;

    /// <summary>The error findings in one line, for event summaries ("file-modified Resources/x; …").</summary>
    public string DescribeErrors(int max = 5) => DescribeErrors(Findings, max);

    /// <summary>
    /// The error findings of <paramref name="findings"/> in one line: "file-modified Resources/x" for a sealed file,
    /// "kind path: detail" for anything else (damage, structure, signature), at most <paramref name="max"/> of them.
    /// </summary>
    public static string DescribeErrors(IEnumerable<SummaryFinding> findings, int max = 5)
    {
        var errors = findings.Where(f => f.Severity == "error").ToList();
        var shown = errors.Take(max).Select(f =>
        {
            var where = f.Path is { Length: > 0 } p ? " " + p : string.Empty;
            if (where.Length > 0 && s_pathSaysIt.Contains(f.Kind))
            {
                return f.Kind + where;
            }

            var detail = f.Detail.ReplaceLineEndings(" ");
            return $"{f.Kind}{where}: {(detail.Length > MaxDetailLength ? detail[..MaxDetailLength] + "…" : detail)}";
        });
        var more = errors.Count > max ? $"; and {errors.Count - max} more" : string.Empty;
        return string.Join("; ", shown) + more;
    }

    /// <summary>The summary of a bundle verification: its report, the diagnoses and the designated requirement.</summary>
    /// <param name="ticketStapled">Whether <c>Contents/CodeResources</c> (a stapled notarization ticket) is present.</param>
    public static SignatureSummary From(Seal.BundleVerificationReport bundle, bool ticketStapled, DesignatedRequirementCheck? designated) =>
        From(bundle.Report, ticketStapled, designated) with
        {
            Diagnoses = [.. bundle.Diagnoses.Select(d => new SummaryDiagnosis(d.KindName, [.. d.Paths.Take(MaxFindings).Select(FileNames.Display)], d.Explanation, d.Remedy))],
        };

    /// <summary>The summary of a verification; paths in their <see cref="FileNames.Display"/> form.</summary>
    public static SignatureSummary From(VerificationReport report, bool ticketStapled = false, DesignatedRequirementCheck? designated = null)
    {
        var primary = report.Architectures.FirstOrDefault(a => a.IsSigned && a.Best is not null);
        var best = primary?.Best;
        var entitlements = ReadEntitlements(primary?.Signature?.Entitlements?.Xml);
        return new SignatureSummary
        {
            Verdict = report.Verdict switch
            {
                SignatureVerdict.Valid => "valid",
                SignatureVerdict.Invalid => "invalid",
                _ => "unsigned",
            },
            Classification = SignatureClassifications.Name(report.Classification),
            Identifier = best?.Identifier,
            TeamId = best?.TeamId,
            CdHash = best?.CdHashHex,
            DigestAlgorithm = best is null ? null : CodeHashing.Name(best.HashType),
            SignerSubject = primary?.Cms?.Leaf?.CommonName,
            ChainTrusted = primary?.Cms?.ChainTrusted ?? false,
            ResourcesDigest = best is not null && best.HasSpecialSlot(CodeSigningSlot.ResourceDirectory)
                ? Convert.ToHexStringLower(best.GetSlotHash(-(int)CodeSigningSlot.ResourceDirectory))
                : null,
            HardenedRuntime = best is not null && (best.Flags & CodeDirectoryFlags.Runtime) != 0,
            Flags = best is null ? [] : CodeDirectoryFlagNames.Describe(best.Flags),
            DeclaredSigningTime = primary?.Cms?.DeclaredSigningTime,
            Timestamp = primary?.Cms?.TimestampedSigningTime,
            NotarizationTicketStapled = ticketStapled,
            Entitlements = [.. entitlements.Keys],
            RiskyEntitlements = [.. RiskyEntitlementNames.Where(n => entitlements.TryGetValue(n, out var v) && v)],
            Findings = [.. report.Findings.Take(MaxFindings).Select(f => new SummaryFinding(f.KindName, f.Severity.ToString().ToLowerInvariant(),
                f.Path is null ? null : FileNames.Display(f.Path), f.Detail))],
            FindingCount = report.Findings.Count,
            DesignatedRequirement = designated?.Designated?.Requirement.ToString(),
            DesignatedRequirementSource = designated?.Designated is null ? null : designated.Designated.IsExplicit ? "explicit" : "implicit",
            DesignatedRequirementSatisfied = designated?.Designated is null ? null : designated.Outcome,
        };
    }

    /// <summary>
    /// An installer package's signature in the same vocabulary: its verdict, its installer classification
    /// (developer-id-installer, untrusted…), the first component's identifier, the leaf's team (OU), the findings.
    /// </summary>
    public static SignatureSummary FromPackage(Packages.PackageReport package)
    {
        ArgumentNullException.ThrowIfNull(package);
        return new SignatureSummary
        {
            Verdict = package.Verdict switch
            {
                SignatureVerdict.Valid => "valid",
                SignatureVerdict.Invalid => "invalid",
                _ => "unsigned",
            },
            Classification = package.Classification,
            Identifier = package.Components.FirstOrDefault()?.Identifier,
            TeamId = package.Certificates.FirstOrDefault()?.OrganizationalUnit,
            SignerSubject = package.Certificates.FirstOrDefault()?.CommonName,
            ChainTrusted = package.ChainTrusted,
            DeclaredSigningTime = package.Timestamp,
            NotarizationTicketStapled = package.TicketBytes is not null,
            Findings = [.. package.Findings.Take(MaxFindings).Select(f => new SummaryFinding(f.KindName, f.Severity.ToString().ToLowerInvariant(),
                f.Path is null ? null : FileNames.Display(f.Path), f.Detail))],
            FindingCount = package.Findings.Count,
        };
    }

    /// <summary>Top-level keys, with whether each is boolean true; malformed XML yields none (the verifier reports it).</summary>
    private static Dictionary<string, bool> ReadEntitlements(string? xml)
    {
        var result = new Dictionary<string, bool>(StringComparer.Ordinal);
        if (xml is null || !PropertyList.TryRead(System.Text.Encoding.UTF8.GetBytes(xml), out var value, out _) || value is not PlistDictionary dict)
        {
            return result;
        }

        foreach (var (key, entry) in dict)
        {
            result[key] = entry is PlistBoolean { Value: true };
        }

        return result;
    }
}
