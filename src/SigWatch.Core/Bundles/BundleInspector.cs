using SigWatch.Core.FileSystem;
using SigWatch.Core.Quarantine;

namespace SigWatch.Core.Bundles;

/// <summary>
/// Assesses a bundle directory: Info.plist facts, the tree's inventory (file count, size, change fingerprint,
/// quarantined files), the quarantine story and the signature with its seal. Given the previous inspection and the
/// paths that changed since, the inventory and the seal are brought up to date by looking only at what changed. Anything
/// it cannot read becomes a problem or a finding, never an exception.
/// </summary>
public static class BundleInspector
{
    /// <summary>Info.plist files larger than this are not read (real ones are a few KiB).</summary>
    public const int MaxInfoPlistBytes = 8 * 1024 * 1024;

    /// <summary>Inspects <paramref name="bundlePath"/>; returns null when it is not a directory (any more).</summary>
    /// <param name="bundlePath">The .app directory.</param>
    /// <param name="context">Platform services; without extended-attribute access the quarantine story is not read.</param>
    /// <param name="full">Verify the seal without the per-file digest cache (the periodic full re-hash).</param>
    public static BundleFacts? Inspect(string bundlePath, BundleInspectionContext? context = null, bool full = false) =>
        Inspect(bundlePath, context, full, previous: null, changes: null)?.Facts;

    /// <summary>
    /// Inspects <paramref name="bundlePath"/> again after <paramref name="changes"/> (absolute paths a watcher reported;
    /// null when unknown, which examines everything). <paramref name="previous"/> is the last inspection of the same
    /// bundle, or null.
    /// </summary>
    public static BundleInspection? Inspect(string bundlePath, BundleInspectionContext? context, bool full, BundleInspection? previous,
        IReadOnlyCollection<string>? changes)
    {
        context ??= BundleInspectionContext.None;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var bundle = new DirectoryInfo(bundlePath);
        if (!bundle.Exists || bundle.LinkTarget is not null)
        {
            return null;
        }

        if (previous is not null && previous.Inventory.Root != Path.TrimEndingDirectorySeparator(bundlePath))
        {
            previous = null;
        }

        var layout = BundleLayout.Detect(bundlePath);
        var info = InfoPlistFacts.ReadFile(layout.InfoPlistPath);
        var inventory = previous is null
            ? BundleInventory.Walk(bundlePath, context.ExtendedAttributes)
            : previous.Inventory.Update(changes, context.ExtendedAttributes);
        QuarantineStory? story = null;
        if (context.ExtendedAttributes is { } xattrs)
        {
            story = QuarantineStory.Read(bundlePath, xattrs, context.QuarantineEvents) with
            {
                QuarantinedFileCount = inventory.Quarantined.Count,
                QuarantinedFiles = [.. inventory.Quarantined.Take(QuarantineStory.MaxListedFiles)],
            };
        }

        var mainExecutable = info.Executable is { Length: > 0 } exe && IsSafeFileName(exe)
            ? Path.Combine(layout.ExecutableDirectory, exe)
            : null;
        var hasMainExecutable = mainExecutable is not null
            && new FileInfo(mainExecutable) is { Exists: true, LinkTarget: null };

        var seal = context.VerifySeal?.Invoke(new SealRequest(bundlePath, full, previous?.Seal, changes));
        var known = previous is not null && changes is not null;
        var statistics = seal?.Statistics;
        var facts = new BundleFacts
        {
            BundleIdentifier = info.BundleIdentifier,
            BundleName = info.BundleName,
            ShortVersion = info.ShortVersion,
            BundleVersion = info.BundleVersion,
            Executable = info.Executable,
            HasInfoPlist = info.Exists,
            InfoPlistError = info.Error,
            HasCodeResources = File.Exists(layout.CodeResourcesPath),
            HasMainExecutable = hasMainExecutable,
            FileCount = inventory.Files,
            TotalSize = inventory.Bytes,
            WalkProblems = inventory.Problems,
            TreeFingerprint = inventory.Fingerprint,
            Quarantine = story,
            Signature = seal is null ? null : Summarize(seal, bundlePath, context.NativeValidate, previous?.Facts.Signature, full),
            // Last, so that the time includes the native verification.
            Cost = new AssessmentCost(known, known ? changes!.Count : 0, statistics?.FullWalks ?? 0, statistics?.RegionWalks ?? 0,
                statistics?.FilesHashed ?? 0, statistics?.BytesHashed ?? 0, statistics?.CacheHits ?? 0,
                (long)System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds),
        };
        return new BundleInspection(facts, inventory, seal?.Detach());
    }

    // The native verifier (Security framework) hashes the whole bundle every time it runs, so it runs when it can say
    // something new: at first sight, on the periodic full re-hash, and whenever the managed result changed. Otherwise the
    // managed verifier found the bundle as it was, and the last native result still stands (carried forward).
    private static SignatureSummary Summarize(Seal.BundleVerificationReport report, string bundlePath,
        Func<string, Verification.CodeSignatureAssessment>? native, SignatureSummary? before, bool full)
    {
        var summary = SignatureSummary.From(report, bundlePath);
        if (native is null)
        {
            return summary;
        }

        if (!full && before is { NativeVerdict: not null } && before.Verdict == summary.Verdict && before.Findings.SequenceEqual(summary.Findings))
        {
            return summary with { NativeVerdict = before.NativeVerdict, VerifierDisagreements = before.VerifierDisagreements };
        }

        // Both verifiers; what they disagree on is recorded, never resolved here.
        var nativeAssessment = native(bundlePath);
        var managed = new Verification.ManagedCodeSignatureValidator().FromReport(report.Report);
        return summary with
        {
            NativeVerdict = Verification.AssessmentComparer.Name(nativeAssessment.Verdict),
            VerifierDisagreements = [.. Verification.AssessmentComparer.Compare(managed, nativeAssessment)
                .Select(d => $"{d.Field}: managed={d.Left ?? "(none)"} native={d.Right ?? "(none)"}")],
        };
    }

    // CFBundleExecutable is a file name inside Contents/MacOS; anything with a separator or ".."
    // would let a hostile Info.plist point us outside the bundle.
    private static bool IsSafeFileName(string name) =>
        name is not ("." or "..") && name.IndexOfAny(['/', '\0']) < 0;
}

/// <summary>An inspection with what the next one needs to look only at what changed.</summary>
/// <param name="Facts">What is stored and compared.</param>
/// <param name="Inventory">The tree, per directory.</param>
/// <param name="Seal">The signature and seal report with its re-verification state, <see cref="Seal.BundleVerificationReport.Detach">detached</see>
/// so that keeping the inspection keeps no file's bytes; null when not verified.</param>
public sealed record BundleInspection(BundleFacts Facts, BundleInventory Inventory, Seal.BundleVerificationReport? Seal);

/// <summary>What the seal verifier is asked: verify <paramref name="BundlePath"/>, re-hashing everything when
/// <paramref name="FullRehash"/>, else re-verifying <paramref name="Previous"/> after <paramref name="Changes"/> (null: unknown).</summary>
public sealed record SealRequest(string BundlePath, bool FullRehash, Seal.BundleVerificationReport? Previous, IReadOnlyCollection<string>? Changes);

/// <summary>The platform services an inspection may use; each is optional.</summary>
/// <param name="ExtendedAttributes">Reads quarantine and kMDItemWhereFroms; without it the quarantine story is not read.</param>
/// <param name="QuarantineEvents">Looks provenance up in QuarantineEventsV2.</param>
/// <param name="VerifySeal">Verifies the bundle's signature and seal; without it the signature is not assessed.</param>
/// <param name="NativeValidate">The platform's own verifier (Security framework on macOS), run beside the managed one.</param>
public sealed record BundleInspectionContext(
    IExtendedAttributeReader? ExtendedAttributes,
    IQuarantineEventLookup? QuarantineEvents,
    Func<SealRequest, Seal.BundleVerificationReport>? VerifySeal = null,
    Func<string, Verification.CodeSignatureAssessment>? NativeValidate = null)
{
    public static BundleInspectionContext None { get; } = new(null, null);
}

/// <summary>Where the parts of a bundle are, by layout (reference §8.7).</summary>
public sealed record BundleLayout(string Root, bool IsDeep, string InfoPlistPath, string ExecutableDirectory, string CodeResourcesPath)
{
    /// <summary>A macOS app keeps everything under Contents/; an iOS-style (shallow) bundle at its root.</summary>
    public static BundleLayout Detect(string bundlePath)
    {
        var contents = Path.Combine(bundlePath, "Contents");
        if (new DirectoryInfo(contents) is { Exists: true, LinkTarget: null })
        {
            return new BundleLayout(
                bundlePath,
                IsDeep: true,
                Path.Combine(contents, "Info.plist"),
                Path.Combine(contents, "MacOS"),
                Path.Combine(contents, "_CodeSignature", "CodeResources"));
        }

        return new BundleLayout(
            bundlePath,
            IsDeep: false,
            Path.Combine(bundlePath, "Info.plist"),
            bundlePath,
            Path.Combine(bundlePath, "_CodeSignature", "CodeResources"));
    }
}
