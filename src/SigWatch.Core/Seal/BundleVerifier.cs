using System.Collections.Concurrent;
using System.Security.Cryptography;
using SigWatch.Core.CodeSigning;
using SigWatch.Core.FileSystem;
using SigWatch.Core.Plist;
using SigWatch.Core.Verification;

namespace SigWatch.Core.Seal;

/// <summary>
/// Verifies a bundle as <c>codesign --verify --deep --strict</c> does (reference §12): the main executable's signature
/// (embedded, or detached files in <c>_CodeSignature/</c> for bundles without one) with Info.plist and CodeResources
/// bound through special slots, then the resource seal (SEC StaticCode.cpp <c>validateResources</c>): every file the
/// rules cover is compared with its sealed digest, symlink target or nested code, recursively. Findings carry paths
/// relative to the resource root (<c>Contents/</c> for apps), as codesign prints them. Never throws for anything found on
/// disk: problems are findings.
/// </summary>
public sealed partial class BundleVerifier
{
    // SEC bundlediskrep.cpp adjustResources: implicit exclusions in front of every rule list.
    private static readonly string[] s_implicitExclusions = ["^_CodeSignature$", "^CodeResources$", "^_MASReceipt$"];

    private const int MaxRememberedSeals = 64;
    private readonly ConcurrentDictionary<string, (CodeResources Seal, ConcurrentDictionary<string, ResourceRuleSet> RuleSets)> _seals;
    private readonly IFileTree _tree;
    private readonly BundleVerifierOptions _options;
    private readonly CodeSignatureVerifier _signatureVerifier;

    public BundleVerifier(IFileTree tree, BundleVerifierOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(tree);
        _tree = tree;
        _options = options ?? new BundleVerifierOptions();
        _signatureVerifier = new CodeSignatureVerifier(_options.Signature with { Strict = _options.Strict });
        _seals = new(StringComparer.Ordinal);
    }

    private BundleVerifier(BundleVerifier source, IFileTree tree, BundleVerifierOptions options)
    {
        _tree = tree;
        _options = options;
        _signatureVerifier = source._signatureVerifier;
        _seals = source._seals;
    }

    /// <summary>
    /// This verifier reading the tree through <paramref name="listing"/>, which another walk of the same tree shares
    /// (BundleAssessor's inventory); what it has parsed and remembered is shared with this one. Extended attributes are
    /// read through the listing's reader when this verifier reads any.
    /// </summary>
    public BundleVerifier Through(SharedListing listing)
    {
        ArgumentNullException.ThrowIfNull(listing);
        return new BundleVerifier(this, listing, _options with
        {
            ExtendedAttributes = _options.ExtendedAttributes is null ? null : listing.ExtendedAttributes ?? _options.ExtendedAttributes,
        });
    }

    /// <summary>Verifies the bundle directory at <paramref name="bundlePath"/>.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled during the walk.</exception>
    public BundleVerificationReport Verify(string bundlePath, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(bundlePath);
        var statistics = new SealStatistics();
        var progress = new ProgressCounter(_options.Progress, cancellationToken);
        return VerifyBundle(Path.TrimEndingDirectorySeparator(Path.GetFullPath(bundlePath)), null, 0, statistics, progress);
    }

    /// <summary>
    /// Re-verifies a bundle that <paramref name="previous"/> verified (with the same options), given every path inside it
    /// that changed since: only the changed regions are walked and only their changed files hashed, and nested code is
    /// re-verified only where a change lies inside it. The result is what <see cref="Verify"/> would report, provided
    /// <paramref name="changedPaths"/> is complete (a file-system watcher's events: created, deleted, written, renamed
    /// (both names), attributes). What the set cannot be trusted for falls back to a full walk (with the digest cache):
    /// a null set (the watcher overflowed or was not running), a change to Info.plist, the main executable,
    /// <c>_CodeSignature/</c> or anything outside the resource root, and those same files or the bundle directory found
    /// with different lstat facts than last time even when no event named them.
    /// </summary>
    /// <param name="previous">A report from <see cref="Verify"/> or <see cref="Reverify"/> for the same bundle.</param>
    /// <param name="changedPaths">Absolute paths; paths outside the bundle are ignored. Null means "unknown".</param>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled during the walk.</exception>
    public BundleVerificationReport Reverify(BundleVerificationReport previous, IEnumerable<string>? changedPaths,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(previous);
        var statistics = new SealStatistics();
        var progress = new ProgressCounter(_options.Progress, cancellationToken);
        return previous.State is { } state && changedPaths is not null
            ? ReverifyBundle(state, [.. changedPaths.Select(p => Path.TrimEndingDirectorySeparator(Path.GetFullPath(p)))], statistics, progress)
            : VerifyBundle(previous.Report.Path, null, 0, statistics, progress);
    }

    // `outer` is the enclosing bundle's context (SEC initializeFromParent): symlinks may point into it.
    private BundleVerificationReport VerifyBundle(string bundlePath, SealContext? outer, int nesting, SealStatistics statistics,
        ProgressCounter progress, BundleStructure? version = null)
    {
        progress.Cancellation.ThrowIfCancellationRequested();
        var findings = new List<Finding>();
        BundleVerificationReport Result(SignatureVerdict verdict, BundleStructure? structure = null, string? executable = null) => new()
        {
            Report = new VerificationReport { Path = bundlePath, Kind = "bundle", Verdict = verdict, Architectures = [], Findings = findings },
            Structure = structure,
            MainExecutable = executable,
            Statistics = statistics,
        };

        BundleStructure? structure;
        try
        {
            string? layoutProblem = null;
            structure = version ?? BundleStructure.Detect(_tree, bundlePath, out layoutProblem);
            if (structure is null)
            {
                findings.Add(new Finding(FindingKind.UnsealedRootContent, FindingSeverity.Error, layoutProblem!, BundleStructure.VersionsDirectory));
                return Result(SignatureVerdict.Invalid);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            findings.Add(new Finding(FindingKind.Unreadable, FindingSeverity.Error, $"cannot examine the bundle: {e.Message}", "."));
            return Result(SignatureVerdict.Invalid);
        }

        // What a re-verification re-examines even when no change names it (SealState.Anchors).
        var anchors = new List<(string Path, FileTreeEntry Entry)>();
        if (structure.Shape != BundleShape.Shallow)
        {
            anchors.Add((structure.BundlePath, _tree.StatOrUnknown(structure.BundlePath)));
        }

        var infoFindings = findings.Count;
        var info = ReadSmallFile(structure.InfoPlistPath, "Info.plist", findings, anchors);
        var infoUnreadable = findings.Count > infoFindings;
        string? infoProblem = null;
        PlistDictionary? infoDictionary = null;
        if (info is { } plistBytes)
        {
            infoDictionary = PropertyList.TryRead(plistBytes.Span, out var plist, out var plistError) ? plist as PlistDictionary : null;
            infoProblem = infoDictionary is null ? plistError?.Message ?? "its top level is not a dictionary" : null;
        }

        var codeResourcesPath = Path.Combine(structure.CodeSignatureDirectory, CodeSignature.DetachedFileName(CodeSigningSlot.ResourceDirectory));
        anchors.Add((structure.CodeSignatureDirectory, _tree.StatOrUnknown(structure.CodeSignatureDirectory))); // its entries: the strict check
        var codeResources = ReadSmallFile(codeResourcesPath, "_CodeSignature/CodeResources", findings, anchors);
        var slotSource = new BundleSlotSource(info, infoUnreadable, codeResources, structure);

        var main = VerifyMainCode(structure, ExecutableName(structure, infoDictionary), info, slotSource, codeResources is not null, findings, anchors)
            with { InfoPlist = infoDictionary };
        var signed = main.Signature is not null || main.Architectures.Count > 0;
        if (infoProblem is not null)
        {
            // SEC hashes Info.plist as bytes and parses it only for requirements (StaticCode.cpp getDictionary:
            // errSecCSBadDictionaryFormat), so a signed bundle with a plist that does not parse fails the DR check.
            findings.Add(new Finding(FindingKind.InfoPlistMalformed, signed ? FindingSeverity.Error : FindingSeverity.Warning,
                $"Info.plist is not a readable property-list dictionary: {infoProblem}", "Info.plist"));
        }

        if (!signed)
        {
            // Unsigned means nothing was ever signed here; anything damaged (an executable that is no longer code, a
            // missing executable, unreadable files) makes the bundle invalid, with the finding that says what.
            var damaged = findings.Any(f => f.Severity == FindingSeverity.Error && f.Kind != FindingKind.NotSigned);
            return Result(damaged ? SignatureVerdict.Invalid : SignatureVerdict.Unsigned, structure, main.ExecutableRelative);
        }

        statistics.AddFullWalk();
        MapBundleSlotFindings(findings);
        var boundResources = main.Architectures.Any(a => a.CodeDirectories.Any(c => c.Directory.HasSpecialSlot(CodeSigningSlot.ResourceDirectory)));
        var nested = new List<NestedState>();
        var walk = new SealWalkResult();
        SealContext? context = null;
        if (codeResources is { } sealBytes)
        {
            CodeResources? seal = null;
            try
            {
                seal = ParseSeal(sealBytes);
            }
            catch (SealFormatException e)
            {
                findings.Add(new Finding(FindingKind.SealInvalid, FindingSeverity.Error, e.Message, "_CodeSignature/CodeResources"));
            }

            if (seal is not null)
            {
                if (!boundResources)
                {
                    findings.Add(new Finding(FindingKind.SealInvalid, FindingSeverity.Error,
                        "_CodeSignature/CodeResources is present but the signature does not bind it (no CodeResources special slot)",
                        "_CodeSignature/CodeResources"));
                }

                CheckRuleStrength(seal, structure, findings);
                var rules = RulesFor(seal, main.ExecutableRelative);
                context = new SealContext(structure, seal, rules, main.ExecutableRelative, outer, nesting);
                walk = new SealWalk(_tree, _options, context, statistics, progress).Run();
                nested.AddRange(walk.NestedJobs.Select(job => VerifyNested(job, context, statistics, progress, null, null)));
            }
        }
        else if (main.Signature is not null && _tree.Stat(structure.FullPath("Resources")).Kind == FileTreeKind.Directory && !boundResources)
        {
            findings.Add(new Finding(FindingKind.SealInvalid, FindingSeverity.Error,
                "the bundle has resources but no resource seal (_CodeSignature/CodeResources)", "_CodeSignature/CodeResources"));
        }

        if (_options.Strict)
        {
            if (version is null)
            {
                CheckRoot(structure, findings);
            }

            CheckCodeSignatureDirectory(structure, main.DetachedComponents, findings);
        }

        var signingTime = SigningTime(main.Architectures, codeResourcesPath);
        // Only a complete walk of a parsed seal can be re-verified by regions; anything else is verified whole next time.
        // The state keeps no file's bytes: the daemon holds it for every bundle it watches.
        var state = context is not null && version is null && !walk.Truncated && walk.Listed.Contains(string.Empty)
            ? new SealState(context, findings, walk, nested, anchors,
                Detached(main), signingTime)
            : null;
        return Compose(bundlePath, structure, main, signingTime, findings, walk, nested, statistics, state, context?.Seal);
    }

    private static BundleVerificationReport Compose(string bundlePath, BundleStructure structure, MainCode main,
        (DateTimeOffset Time, string Source)? signingTime, IReadOnlyList<Finding> global, SealWalkResult walk, List<NestedState> nested,
        SealStatistics statistics, SealState? state, CodeResources? seal)
    {
        var findings = new List<Finding>(global);
        findings.AddRange(walk.Findings);
        nested.Sort((a, b) => string.CompareOrdinal(a.Job.Path, b.Job.Path));
        foreach (var n in nested)
        {
            findings.AddRange(n.Findings);
        }

        var diagnoses = SealDiagnostics.Diagnose(findings, walk, signingTime?.Time);
        findings.Sort(FindingOrder.Instance);
        var verdict = findings.Any(f => f.Severity == FindingSeverity.Error) ? SignatureVerdict.Invalid : SignatureVerdict.Valid;
        return new BundleVerificationReport
        {
            Report = new VerificationReport { Path = bundlePath, Kind = "bundle", Verdict = verdict, Architectures = main.Architectures, Findings = findings },
            Structure = structure,
            MainExecutable = main.ExecutableRelative,
            InfoPlist = main.InfoPlist,
            SigningTime = signingTime?.Time,
            SigningTimeSource = signingTime?.Source,
            Nested = [.. nested.Select(n => n.Report)],
            Diagnoses = diagnoses,
            Statistics = statistics,
            State = state,
            ResourceSeal = seal is null ? null : new ResourceSealSummary(seal.Version, seal.Rules.Count, seal.Files.Count),
        };
    }

    internal sealed record MainCode(IReadOnlyList<ArchitectureReport> Architectures, CodeSignature? Signature, string? ExecutableRelative,
        IReadOnlySet<string> DetachedComponents)
    {
        /// <summary>The bundle's Info.plist as a dictionary; null when absent or unreadable.</summary>
        public PlistDictionary? InfoPlist { get; init; }
    }

    private static MainCode Detached(MainCode main)
    {
        var architectures = main.Architectures.Select(a => a.Detach()).ToList();
        return main with { Architectures = architectures, Signature = architectures.FirstOrDefault(a => a.Signature is not null)?.Signature };
    }

    // A verifier kept alive (the daemon's) re-verifies the same bundles: parsed seals and their rule sets (with each
    // path's rule remembered) are reused, keyed by the SHA-256 of the CodeResources bytes, so they cannot go stale.
    private CodeResources ParseSeal(ReadOnlyMemory<byte> bytes)
    {
        var key = Convert.ToHexString(SHA256.HashData(bytes.Span));
        if (_seals.TryGetValue(key, out var known))
        {
            return known.Seal;
        }

        var seal = CodeResources.Parse(bytes.Span);
        if (_seals.Count >= MaxRememberedSeals)
        {
            _seals.Clear();
        }

        _seals[key] = (seal, new ConcurrentDictionary<string, ResourceRuleSet>(StringComparer.Ordinal));
        return seal;
    }

    private ResourceRuleSet RulesFor(CodeResources seal, string? executableRelative)
    {
        var sets = _seals.Values.FirstOrDefault(s => ReferenceEquals(s.Seal, seal)).RuleSets;
        return sets is null ? BuildRules(seal, executableRelative) : sets.GetOrAdd(executableRelative ?? string.Empty, _ => BuildRules(seal, executableRelative));
    }

    private static ResourceRuleSet BuildRules(CodeResources seal, string? executableRelative)
    {
        var exclusions = s_implicitExclusions.Select(ResourceRule.CreateExclusion).ToList();
        if (executableRelative is not null)
        {
            exclusions.Add(ResourceRule.CreateExclusion("^" + System.Text.RegularExpressions.Regex.Escape(executableRelative) + "$"));
        }

        return new ResourceRuleSet(exclusions, seal.Rules);
    }

    private (DateTimeOffset Time, string Source)? SigningTime(IReadOnlyList<ArchitectureReport> architectures, string codeResourcesPath)
    {
        var cms = architectures.Select(a => a.Cms).FirstOrDefault(c => c is not null);
        if (cms?.TimestampedSigningTime is { } stamped)
        {
            return (stamped, "timestamp");
        }

        if (cms?.DeclaredSigningTime is { } declared)
        {
            return (declared, "signing-time");
        }

        var seal = _tree.StatOrUnknown(codeResourcesPath);
        return seal.Kind == FileTreeKind.Regular ? (seal.Modified, "seal-mtime") : null;
    }

    private ReadOnlyMemory<byte>? ReadSmallFile(string path, string display, List<Finding> findings,
        List<(string Path, FileTreeEntry Entry)>? anchors = null, bool quietIfMissing = false)
    {
        var file = _tree.ReadSmallFile(path, _options.MaxCodeFileBytes);
        anchors?.Add((path, file.Entry));
        switch (file.Status)
        {
            case SmallFileStatus.Read:
                return file.Bytes;
            case SmallFileStatus.Missing:
            case SmallFileStatus.NotRegular when quietIfMissing:
                return null;
            default:
                findings.Add(new Finding(FindingKind.Unreadable, FindingSeverity.Error, file.Problem!, display));
                return null;
        }
    }

    private sealed class FindingOrder : IComparer<Finding>
    {
        public static readonly FindingOrder Instance = new();

        public int Compare(Finding? x, Finding? y)
        {
            var bySeverity = x!.Severity.CompareTo(y!.Severity);
            if (bySeverity != 0)
            {
                return bySeverity;
            }

            var byPath = string.CompareOrdinal(x.Path, y.Path);
            return byPath != 0 ? byPath : x.Kind.CompareTo(y.Kind);
        }
    }
}
