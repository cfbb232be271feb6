using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using SigWatch.Core.CodeSigning;
using SigWatch.Core.CodeSigning.Requirements;
using SigWatch.Core.FileSystem;
using SigWatch.Core.MachO;
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
public sealed class BundleVerifier
{
    // SEC bundlediskrep.cpp adjustResources: implicit exclusions in front of every rule list.
    private static readonly string[] s_implicitExclusions = ["^_CodeSignature$", "^CodeResources$", "^_MASReceipt$"];

    // SEC StaticCode.cpp validateAppRoot / hasWeakResourceRules.
    private static readonly HashSet<string> s_allowedAppRootEntries = new(StringComparer.Ordinal)
    {
        BundleStructure.ContentsDirectory, ".LSOverride", ".DS_Store", "Icon\r", ".SoftwareDepot.tracking",
    };

    private const int MaxRememberedSeals = 64;
    private readonly ConcurrentDictionary<string, (CodeResources Seal, ConcurrentDictionary<string, ResourceRuleSet> RuleSets)> _seals = new(StringComparer.Ordinal);
    private readonly IFileTree _tree;
    private readonly BundleVerifierOptions _options;
    private readonly CodeSignatureVerifier _signatureVerifier;

    public BundleVerifier(IFileTree tree, BundleVerifierOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(tree);
        _tree = tree;
        _options = options ?? new BundleVerifierOptions();
        _signatureVerifier = new CodeSignatureVerifier(_options.Signature with { Strict = _options.Strict });
    }

    /// <summary>Verifies the bundle directory at <paramref name="bundlePath"/>.</summary>
    public BundleVerificationReport Verify(string bundlePath)
    {
        ArgumentException.ThrowIfNullOrEmpty(bundlePath);
        var statistics = new SealStatistics();
        var progress = new ProgressCounter(_options.Progress);
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
    public BundleVerificationReport Reverify(BundleVerificationReport previous, IEnumerable<string>? changedPaths)
    {
        ArgumentNullException.ThrowIfNull(previous);
        var statistics = new SealStatistics();
        var progress = new ProgressCounter(_options.Progress);
        return previous.State is { } state && changedPaths is not null
            ? ReverifyBundle(state, [.. changedPaths.Select(p => Path.TrimEndingDirectorySeparator(Path.GetFullPath(p)))], statistics, progress)
            : VerifyBundle(previous.Report.Path, null, 0, statistics, progress);
    }

    // `outer` is the enclosing bundle's context (SEC initializeFromParent): symlinks may point into it.
    private BundleVerificationReport VerifyBundle(string bundlePath, SealContext? outer, int nesting, SealStatistics statistics,
        ProgressCounter progress, BundleStructure? version = null)
    {
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
            anchors.Add((structure.BundlePath, SafeStat(structure.BundlePath)));
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
        anchors.Add((structure.CodeSignatureDirectory, SafeStat(structure.CodeSignatureDirectory))); // its entries: the strict check
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
                walk = new SealWalk(this, context, statistics, progress).Run();
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
        return Compose(bundlePath, structure, main, signingTime, findings, walk, nested, statistics, state);
    }

    /// <summary>Redoes what <paramref name="changes"/> touched (see <see cref="Reverify"/>); anything else falls back to a full walk.</summary>
    private BundleVerificationReport ReverifyBundle(SealState state, IReadOnlyList<string> changes, SealStatistics statistics, ProgressCounter progress)
    {
        var context = state.Context;
        var structure = context.Structure;
        BundleVerificationReport Full() => VerifyBundle(structure.BundlePath, context.Outer, context.Nesting, statistics, progress);

        foreach (var (path, entry) in state.Anchors)
        {
            if (SafeStat(path) != entry)
            {
                return Full();
            }
        }

        var infoRelative = RelativeTo(structure.ResourceRoot, structure.InfoPlistPath);
        var nestedBundles = state.Nested.Where(n => n.Job.IsDirectory).Select(n => n.Job.Path).ToHashSet(StringComparer.Ordinal);
        var regions = new List<string>();
        var dirtyNested = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var change in changes)
        {
            if (RelativeTo(structure.BundlePath, change) is null)
            {
                continue; // not inside this bundle
            }

            var relative = RelativeTo(structure.ResourceRoot, change);
            if (relative is null)
            {
                return Full(); // the bundle directory itself or beside the resource root: the strict root checks
            }

            if (relative.Length == 0)
            {
                continue; // the resource root's own attributes; its entries arrive as changes of their own
            }

            var segments = relative.Split('/');
            if (segments[0] == BundleStructure.CodeSignatureDirectoryName || relative == infoRelative
                || (state.Main.ExecutableRelative is { } executable && SealWalkResult.InRegion(relative, executable))
                || segments.Any(s => s is "" or "." or ".."))
            {
                return Full();
            }

            switch (Locate(state, nestedBundles, segments))
            {
                case (RegionKind.Region, var region):
                    regions.Add(region);
                    break;
                case (RegionKind.Nested, var job):
                    if (!dirtyNested.TryGetValue(job, out var list))
                    {
                        dirtyNested[job] = list = [];
                    }

                    list.Add(change);
                    break;
                case (RegionKind.Whole, _):
                    return Full();
            }
        }

        // A region inside another is walked as part of it; shortest first, so outer regions are kept before their insides.
        var distinct = new RegionMatcher([.. regions.Distinct(StringComparer.Ordinal)]);
        regions = [.. regions.Distinct(StringComparer.Ordinal).OrderBy(r => r.Length).ThenBy(r => r, StringComparer.Ordinal)
            .Where(r => r.LastIndexOf('/') is var slash and >= 0 ? !distinct.Contains(r[..slash]) : true)];
        var matcher = new RegionMatcher(regions);
        var walk = state.Walk.Clone();
        if (regions.Count > 0)
        {
            walk.RemoveRegions(matcher);
            var regionWalk = new SealWalk(this, context, statistics, progress).RunRegions(regions, matcher);
            walk.Merge(regionWalk);
            statistics.AddRegionWalks(regions.Count);
            if (walk.Truncated || walk.Entries > _options.MaxEntries)
            {
                return Full();
            }
        }

        // A sealed symlink's verdict depends on other paths (its target, the links on the way): every one outside the
        // regions is checked again. Nested bundles with such symlinks are re-verified for the same reason.
        var recheck = walk.CheckedSymlinks.Where(c => !matcher.Contains(c.Path)).ToList();
        if (recheck.Count > 0)
        {
            var rechecked = recheck.Select(c => c.Path).ToHashSet(StringComparer.Ordinal);
            walk.Findings.RemoveAll(f => f.Kind is FindingKind.SymlinkEscapesBundle or FindingKind.SymlinkTargetUnchecked
                && f.Path is { } path && rechecked.Contains(path));
            foreach (var (path, fullPath, target) in recheck)
            {
                SymlinkRestriction.Check(_tree, context, path, fullPath, target, walk.Findings);
            }
        }

        var nested = new List<NestedState>();
        foreach (var previous in state.Nested)
        {
            if (matcher.Contains(previous.Job.Path))
            {
                continue; // walked again: the region walk found it anew (or found it gone)
            }

            nested.Add(dirtyNested.TryGetValue(previous.Job.Path, out var inside)
                ? VerifyNested(previous.Job, context, statistics, progress, previous.Report.Bundle, inside)
                : previous.Report.Bundle?.State is { HasSymlinkChecks: true } nestedState
                    ? RecheckSymlinks(previous, nestedState, context, statistics, progress)
                    : previous);
        }

        nested.AddRange(walk.NestedJobs.Where(j => matcher.Contains(j.Path))
            .Select(job => VerifyNested(job, context, statistics, progress, null, null)));
        var next = new SealState(context, state.Global, walk, nested, state.Anchors, state.Main, state.SigningTime);
        return Compose(structure.BundlePath, structure, state.Main, state.SigningTime, state.Global, walk, nested, statistics, next);
    }

    // Nothing changed inside the nested bundle, but its symlinks' destinations may have (they can point into this one):
    // re-verify it with no changes, which checks them again; only if that changes its result is its requirement
    // evaluated again (the signature is the same, so the rest of its verdict is).
    private NestedState RecheckSymlinks(NestedState previous, SealState nestedState, SealContext context, SealStatistics statistics,
        ProgressCounter progress)
    {
        var again = ReverifyBundle(nestedState, [], statistics, progress);
        var before = previous.Report.Bundle!;
        return again.Verdict == before.Verdict && again.Findings.SequenceEqual(before.Findings)
            ? previous with { Report = previous.Report with { Bundle = again.Detach() } }
            : VerifyNested(previous.Job, context, statistics, progress, before, []);
    }

    private enum RegionKind
    {
        Region,
        Nested,
        Ignored,
        Whole,
    }

    // Where a change lands: the highest ancestor the previous walk did not list (a new or replaced directory is walked
    // whole, so events a watcher missed inside it do not matter), nested code containing it, or nothing (excluded).
    private (RegionKind Kind, string Path) Locate(SealState state, HashSet<string> nestedBundles, string[] segments)
    {
        var walk = state.Walk;
        var path = string.Empty;
        for (var i = 0; i < segments.Length; i++)
        {
            // A name that is not UTF-8 comes back with U+FFFD and cannot be opened again: walk its directory instead.
            if (segments[i].Contains('\uFFFD', StringComparison.Ordinal))
            {
                return path.Length == 0 ? (RegionKind.Whole, path) : (RegionKind.Region, path);
            }

            path = i == 0 ? segments[0] : path + "/" + segments[i];
            if (i == segments.Length - 1)
            {
                return (RegionKind.Region, path);
            }

            if (nestedBundles.Contains(path))
            {
                return (RegionKind.Nested, path);
            }

            if (walk.Excluded.Contains(path))
            {
                return (RegionKind.Ignored, path);
            }

            if (!walk.Listed.Contains(path) || SafeStat(Path.Combine(state.Context.Structure.ResourceRoot, path)).Kind != FileTreeKind.Directory)
            {
                return (RegionKind.Region, path);
            }
        }

        return (RegionKind.Whole, path);
    }

    // '/'-separated path of `path` below `root`; "" for the root itself; null when outside it.
    private static string? RelativeTo(string root, string path)
    {
        if (path == root)
        {
            return string.Empty;
        }

        return path.Length > root.Length && path[root.Length] == '/' && path.StartsWith(root, StringComparison.Ordinal)
            ? path[(root.Length + 1)..]
            : null;
    }

    private static BundleVerificationReport Compose(string bundlePath, BundleStructure structure, MainCode main,
        (DateTimeOffset Time, string Source)? signingTime, IReadOnlyList<Finding> global, SealWalkResult walk, List<NestedState> nested,
        SealStatistics statistics, SealState? state)
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

    /// <summary>
    /// The main executable's name as CFBundle finds it (CF CFBundle.c <c>_CFBundleCopyExecutableName</c>): CFBundleExecutable,
    /// else the old NSExecutable key, else the bundle's name without its extension; a name from the fallback counts only
    /// when such a file exists. An unparseable Info.plist is an empty dictionary to CF, so the fallback applies.
    /// </summary>
    private string? ExecutableName(BundleStructure structure, PlistDictionary? info)
    {
        static bool Usable(string? name) => name is { Length: > 0 } && name.IndexOfAny(['/', '\0']) < 0 && name is not (".." or ".");
        if ((info?.GetString("CFBundleExecutable") ?? info?.GetString("NSExecutable")) is { } named)
        {
            return Usable(named) ? named : null;
        }

        var fallback = Path.GetFileNameWithoutExtension(Path.TrimEndingDirectorySeparator(structure.BundlePath));
        return Usable(fallback) && SafeStat(Path.Combine(structure.ExecutableDirectory, fallback)).Kind == FileTreeKind.Regular ? fallback : null;
    }

    private MainCode VerifyMainCode(BundleStructure structure, string? executableName, ReadOnlyMemory<byte>? info,
        BundleSlotSource slotSource, bool hasSeal, List<Finding> findings, List<(string Path, FileTreeEntry Entry)> anchors)
    {
        var none = (IReadOnlySet<string>)new HashSet<string>();
        string? executableRelative = null;
        ReadOnlyMemory<byte>? code = null;
        string? notCode = null;
        if (executableName is not null)
        {
            executableRelative = structure.ExecutableRelativePath(executableName);
            var path = Path.Combine(structure.ExecutableDirectory, executableName);
            var entry = SafeStat(path);
            anchors.Add((path, entry));
            if (entry.Kind != FileTreeKind.Regular)
            {
                findings.Add(new Finding(FindingKind.FileMissing, FindingSeverity.Error,
                    entry.Kind == FileTreeKind.Missing
                        ? "the main executable named by CFBundleExecutable is missing"
                        : $"the main executable named by CFBundleExecutable is a {entry.Kind}, not a file", executableRelative));
                return new MainCode([], null, executableRelative, none);
            }

            code = ReadSmallFile(path, executableRelative, findings, anchors);
            if (code is { } bytes)
            {
                var kind = MachFile.Identify(bytes.Span, out var description);
                if (kind == MachFileKind.Code)
                {
                    var report = _signatureVerifier.Verify(bytes, executableRelative, slotSource);
                    if (report.Verdict == SignatureVerdict.Unsigned)
                    {
                        findings.Add(new Finding(FindingKind.NotSigned, FindingSeverity.Error, "code object is not signed at all", executableRelative));
                        return new MainCode([], null, executableRelative, none);
                    }

                    // A damaged executable (its header, load commands or signature unreadable) is reported as such:
                    // the bundle is invalid with that cause, never "unsigned".
                    findings.AddRange(report.Findings);
                    return new MainCode(report.Architectures, report.Architectures.FirstOrDefault(a => a.Signature is not null)?.Signature,
                        executableRelative, none);
                }

                notCode = kind == MachFileKind.NotCode ? description : $"{bytes.Length} bytes without a Mach-O header";
            }
        }

        // SEC bundlediskrep.cpp: without a Mach-O main executable the components are files in _CodeSignature/ and the
        // code is the executable file, or the Info.plist when there is none (reference §8.7).
        var used = new HashSet<string>(StringComparer.Ordinal);
        var signature = CodeSignature.ReadDetached(name =>
        {
            var bytes = ReadSmallFile(Path.Combine(structure.CodeSignatureDirectory, name), "_CodeSignature/" + name, findings, anchors, quietIfMissing: true);
            if (bytes is null)
            {
                return null;
            }

            used.Add(name);
            return bytes.Value.ToArray();
        });
        if (signature is null)
        {
            if (notCode is not null && hasSeal)
            {
                // codesign would read the file as plain data and say "not signed at all"; but the resource seal proves
                // the bundle was signed with Mach-O code here, so the executable was damaged or replaced after signing.
                findings.Add(new Finding(FindingKind.MalformedMachO, FindingSeverity.Error,
                    $"the main executable is not Mach-O code any more ({notCode}), although the bundle carries a resource seal: it was damaged or replaced after signing",
                    executableRelative));
            }
            else
            {
                findings.Add(new Finding(FindingKind.NotSigned, FindingSeverity.Error, "code object is not signed at all", executableRelative ?? "."));
            }

            return new MainCode([], null, executableRelative, none);
        }

        var mainFile = code ?? info ?? ReadOnlyMemory<byte>.Empty;
        var mainName = executableRelative ?? "Info.plist";
        var archFindings = new List<Finding>();
        var (cds, cms, classification) = _signatureVerifier.VerifySignature(signature, mainFile, 0, slotSource, "detached", mainName, archFindings);
        findings.AddRange(archFindings);
        var arch = new ArchitectureReport
        {
            Index = 0,
            Architecture = "detached",
            CpuType = 0,
            CpuSubType = 0,
            Signature = signature,
            CodeDirectories = cds,
            Cms = cms,
            Classification = classification,
            Findings = archFindings,
        };
        return new MainCode([arch], signature, executableRelative, used);
    }

    // The engine reports special-slot problems per CodeDirectory and architecture; for a bundle they mean one thing each.
    private static void MapBundleSlotFindings(List<Finding> findings)
    {
        var mapped = new List<Finding>();
        findings.RemoveAll(f =>
        {
            if (f.Kind is not (FindingKind.SpecialSlotMismatch or FindingKind.SpecialSlotMissing) || f.Slot is not (CodeSigningSlot.InfoPlist or CodeSigningSlot.ResourceDirectory))
            {
                return false;
            }

            var (kind, path, what) = f.Slot == CodeSigningSlot.InfoPlist
                ? (FindingKind.InfoPlistModified, "Info.plist", "Info.plist")
                : (FindingKind.ResourceEnvelopeModified, "_CodeSignature/CodeResources", "the resource envelope (CodeResources)");
            if (!mapped.Any(m => m.Kind == kind))
            {
                mapped.Add(new Finding(kind, FindingSeverity.Error, f.Kind == FindingKind.SpecialSlotMissing
                    ? $"{what} is bound by the signature but missing"
                    : $"{what} was modified after signing: {f.Detail}", path) { Slot = f.Slot });
            }

            return true;
        });
        findings.AddRange(mapped);
    }

    private void CheckRuleStrength(CodeResources seal, BundleStructure structure, List<Finding> findings)
    {
        if (!_options.Strict)
        {
            return;
        }

        var resources = structure.Shape == BundleShape.Shallow ? "" : "Resources/";
        string[] allowedOmissions = [@"^(.*/)?\.DS_Store$", @"^Info\.plist$", @"^PkgInfo$", $@"^{resources}.*\.lproj/locversion.plist$"];
        var (rulesKey, catchAll) = seal.Version == 2 ? ("rules2", "^.*") : ("rules", "^Resources/");
        var weak = !seal.HasCatchAllRule ? $"{rulesKey} lacks '{catchAll}' = true" : seal.OmitPatterns.FirstOrDefault(p => !allowedOmissions.Contains(p)) is { } omit
            ? $"{rulesKey} omits '{omit}', which Apple does not allow in strict mode" : null;
        if (weak is not null)
        {
            findings.Add(new Finding(FindingKind.WeakResourceRules, FindingSeverity.Error, $"weak resource rules: {weak}", "_CodeSignature/CodeResources"));
        }

        if (seal.Version == 1)
        {
            findings.Add(new Finding(FindingKind.WeakResourceEnvelope, FindingSeverity.Error,
                "the seal has only a version 1 'files' dictionary (no files2): resource envelope is obsolete", "_CodeSignature/CodeResources"));
        }
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

    // A nested bundle verified before is re-verified by regions when the changes inside it are known. Its report is kept
    // detached (no Mach-O bytes): only its verdict and findings are reported, and it may be kept for the next re-verification.
    private NestedState VerifyNested(NestedJob job, SealContext context, SealStatistics statistics, ProgressCounter progress,
        BundleVerificationReport? previous, IReadOnlyList<string>? changes)
    {
        var findings = new List<Finding>();
        var report = VerifyNested(job, context, statistics, progress, findings, previous, changes);
        return new NestedState(job, report.Detach(), findings);
    }

    private NestedCodeReport VerifyNested(NestedJob job, SealContext context, SealStatistics statistics, ProgressCounter progress,
        List<Finding> findings, BundleVerificationReport? previous, IReadOnlyList<string>? changes)
    {
        if (context.Nesting + 1 > _options.MaxNestingDepth)
        {
            var deep = new VerificationReport { Path = job.FullPath, Kind = "bundle", Verdict = SignatureVerdict.Invalid, Architectures = [], Findings = [] };
            findings.Add(new Finding(FindingKind.NestedCodeInvalid, FindingSeverity.Error,
                $"In subcomponent: {job.Path}: nested deeper than {_options.MaxNestingDepth} levels; not followed", job.Path));
            return new NestedCodeReport(job.Path, null, deep, job.Sealed.Requirement, null);
        }

        BundleVerificationReport? bundle = null;
        VerificationReport report;
        if (job.IsDirectory)
        {
            bundle = previous?.State is { } state && changes is not null
                ? ReverifyBundle(state, changes, statistics, progress)
                : VerifyBundle(job.FullPath, context, context.Nesting + 1, statistics, progress);
            report = bundle.Report;
        }
        else
        {
            var nestedFindings = new List<Finding>();
            var bytes = ReadSmallFile(job.FullPath, job.Path, nestedFindings);
            report = bytes is { } b
                ? _signatureVerifier.Verify(b, job.Path)
                : new VerificationReport { Path = job.Path, Kind = "other", Verdict = SignatureVerdict.Invalid, Architectures = [], Findings = nestedFindings };
        }

        if (report.Verdict != SignatureVerdict.Valid)
        {
            var errors = report.Findings.Where(f => f.Severity == FindingSeverity.Error).Take(3)
                .Select(f => f.Path is { } p && p != job.Path && !job.IsDirectory ? $"{f.KindName} {p}" : $"{f.KindName}{(job.IsDirectory && f.Path is { } q ? " " + q : "")}");
            var what = report.Verdict == SignatureVerdict.Unsigned ? "code object is not signed at all" : string.Join("; ", errors);
            findings.Add(new Finding(FindingKind.NestedCodeInvalid, FindingSeverity.Error, $"In subcomponent: {job.Path}: {what}", job.Path));
            return new NestedCodeReport(job.Path, bundle, report, job.Sealed.Requirement, null);
        }

        // SEC validateNestedCode: the nested code must satisfy the requirement recorded at signing; the cdhash is not compared.
        var check = RequirementCheck.Check(job.Sealed.Requirement ?? string.Empty, NestedSubject(report, bundle?.InfoPlist), RequirementEvaluator.Default);
        if (check.SyntaxError is not null)
        {
            findings.Add(new Finding(FindingKind.NestedCodeInvalid, FindingSeverity.Error,
                $"In subcomponent: {job.Path}: the recorded requirement does not parse: {check.SyntaxError.Message}", job.Path));
        }
        else if (check.Evaluation!.Outcome == RequirementOutcome.NotSatisfied)
        {
            findings.Add(new Finding(FindingKind.NestedCodeInvalid, FindingSeverity.Error,
                $"In subcomponent: {job.Path}: does not satisfy its recorded requirement: {check.Message}", job.Path));
        }
        else if (check.Evaluation.Outcome == RequirementOutcome.Unknown)
        {
            findings.Add(new Finding(FindingKind.NestedRequirementUnchecked, FindingSeverity.Warning,
                $"In subcomponent: {job.Path}: recorded requirement {check.Message}", job.Path));
        }

        if (_options.Strict && check.Evaluation is { Outcome: not RequirementOutcome.NotSatisfied } && bundle?.Structure is { Shape: BundleShape.Framework } framework)
        {
            VerifyOtherVersions(job, framework, context, statistics, progress, findings);
        }

        return new NestedCodeReport(job.Path, bundle, report, job.Sealed.Requirement, check.Message);
    }

    // SEC validateOtherVersions (strict, nested frameworks): every Versions/<v> directory besides Current and the current
    // version must verify and satisfy the same recorded requirement; failure is errSecCSBadFrameworkVersion.
    private void VerifyOtherVersions(NestedJob job, BundleStructure framework, SealContext context, SealStatistics statistics,
        ProgressCounter progress, List<Finding> findings)
    {
        IReadOnlyList<FileTreeEntry> versions;
        try
        {
            versions = _tree.List(Path.Combine(job.FullPath, BundleStructure.VersionsDirectory));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            findings.Add(new Finding(FindingKind.Unreadable, FindingSeverity.Error, $"cannot list Versions/: {e.Message}", job.Path + "/Versions"));
            return;
        }

        foreach (var entry in versions.Where(v => v.Kind == FileTreeKind.Directory && v.Name != BundleStructure.CurrentVersion && v.Name != framework.VersionName)
            .OrderBy(v => v.Name, StringComparer.Ordinal))
        {
            var other = VerifyBundle(job.FullPath, context, context.Nesting + 1, statistics, progress,
                BundleStructure.FrameworkVersion(job.FullPath, entry.Name));
            var problem = other.Verdict != SignatureVerdict.Valid
                ? string.Join("; ", other.Findings.Where(f => f.Severity == FindingSeverity.Error).Take(3).Select(f => $"{f.KindName} {f.Path}"))
                : RequirementCheck.Check(job.Sealed.Requirement ?? string.Empty, NestedSubject(other.Report, other.InfoPlist), RequirementEvaluator.Default) is { Evaluation.Outcome: RequirementOutcome.NotSatisfied } failed
                    ? $"does not satisfy the recorded requirement: {failed.Message}"
                    : null;
            if (problem is not null)
            {
                findings.Add(new Finding(FindingKind.NestedCodeInvalid, FindingSeverity.Error,
                    $"In subcomponent: {job.Path}: invalid framework version Versions/{entry.Name}: {problem}", job.Path));
            }
        }
    }

    /// <summary>
    /// What SEC's requirement context holds for nested code: identifier, team, every cdhash, the signer chain, the
    /// entitlements, and the Info.plist (the nested bundle's own, or a tool's embedded <c>__info_plist</c>).
    /// </summary>
    public static RequirementSubject NestedSubject(VerificationReport report, PlistDictionary? infoPlist = null) =>
        RequirementSubjects.FromReport(report, infoPlist);

    private void CheckRoot(BundleStructure structure, List<Finding> findings)
    {
        if (structure.Shape == BundleShape.Shallow)
        {
            return;
        }

        IReadOnlyList<FileTreeEntry> entries;
        try
        {
            entries = _tree.List(structure.BundlePath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            findings.Add(new Finding(FindingKind.Unreadable, FindingSeverity.Error, $"cannot list the bundle root: {e.Message}", ".."));
            return;
        }

        foreach (var entry in entries)
        {
            if (structure.Shape == BundleShape.Deep)
            {
                if (!s_allowedAppRootEntries.Contains(entry.Name))
                {
                    findings.Add(new Finding(FindingKind.UnsealedRootContent, FindingSeverity.Error,
                        "unsealed contents present in the bundle root (beside Contents/)", "../" + entry.Name));
                }

                continue;
            }

            // SEC validateFrameworkRoot: root entries are symlinks into the current version.
            if (entry.Name is BundleStructure.VersionsDirectory or ".DS_Store")
            {
                continue;
            }

            var target = entry.Kind == FileTreeKind.Symlink ? _tree.ReadLink(Path.Combine(structure.BundlePath, entry.Name)) : null;
            var fine = target == $"Versions/Current/{entry.Name}" || target == $"Versions/{structure.VersionName}/{entry.Name}"
                || (entry.Name == "module.map" && (entry.Kind == FileTreeKind.Regular || target?.StartsWith("Versions/", StringComparison.Ordinal) == true));
            if (!fine)
            {
                findings.Add(new Finding(FindingKind.UnsealedRootContent, FindingSeverity.Error,
                    target is null ? "unsealed contents present in the root directory of an embedded framework"
                        : $"framework root symlink points to '{target}', not Versions/Current/{entry.Name}",
                    "../../" + entry.Name));
            }
        }

        var versions = Path.Combine(structure.BundlePath, BundleStructure.VersionsDirectory);
        if (SafeStat(Path.Combine(versions, BundleStructure.CurrentVersion)).Kind is not (FileTreeKind.Symlink or FileTreeKind.Missing) && structure.Shape == BundleShape.Framework)
        {
            findings.Add(new Finding(FindingKind.UnsealedRootContent, FindingSeverity.Error, "Versions/Current is not a symlink", "../Current"));
        }
    }

    private void CheckCodeSignatureDirectory(BundleStructure structure, IReadOnlySet<string> detached, List<Finding> findings)
    {
        IReadOnlyList<FileTreeEntry> entries;
        try
        {
            if (_tree.Stat(structure.CodeSignatureDirectory).Kind != FileTreeKind.Directory)
            {
                return;
            }

            entries = _tree.List(structure.CodeSignatureDirectory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            findings.Add(new Finding(FindingKind.Unreadable, FindingSeverity.Error, $"cannot list _CodeSignature: {e.Message}", "_CodeSignature"));
            return;
        }

        foreach (var entry in entries)
        {
            // SEC tolerates an empty CodeSignature file left beside an embedded signature.
            var allowed = entry.Name == "CodeResources" || detached.Contains(entry.Name)
                || (entry.Name == "CodeSignature" && entry.Kind == FileTreeKind.Regular && entry.Size == 0);
            if (!allowed)
            {
                findings.Add(new Finding(FindingKind.UnsealedRootContent, FindingSeverity.Error,
                    "unsealed contents present in _CodeSignature", "_CodeSignature/" + entry.Name));
            }
        }
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

        var seal = SafeStat(codeResourcesPath);
        return seal.Kind == FileTreeKind.Regular ? (seal.Modified, "seal-mtime") : null;
    }

    internal FileTreeEntry SafeStat(string path)
    {
        try
        {
            return _tree.Stat(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new FileTreeEntry(Path.GetFileName(path), FileTreeKind.Unknown, 0, 0, 0, 0, 0);
        }
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

    internal IFileTree Tree => _tree;

    internal BundleVerifierOptions Options => _options;

    /// <summary>Supplies Info.plist and CodeResources from the bundle (reference §5: always from the bundle, never the signature).</summary>
    private sealed class BundleSlotSource(ReadOnlyMemory<byte>? info, bool infoUnreadable, ReadOnlyMemory<byte>? codeResources,
        BundleStructure structure) : ISpecialSlotSource
    {
        public SpecialSlotContent GetComponent(uint slot) => slot switch
        {
            CodeSigningSlot.InfoPlist => info is { } i ? SpecialSlotContent.Present(i, "bundle Info.plist")
                : infoUnreadable ? SpecialSlotContent.Unavailable("the bundle's Info.plist cannot be read")
                : SpecialSlotContent.Missing(structure.InfoPlistPath),
            CodeSigningSlot.ResourceDirectory => codeResources is { } c ? SpecialSlotContent.Present(c, "_CodeSignature/CodeResources") : SpecialSlotContent.Missing("bundle (_CodeSignature/CodeResources)"),
            _ => SpecialSlotContent.Unavailable("not supplied by a bundle"),
        };
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
