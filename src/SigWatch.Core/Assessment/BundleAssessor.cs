using System.Diagnostics;
using SigWatch.Core.Bundles;
using SigWatch.Core.FileSystem;
using SigWatch.Core.Quarantine;
using SigWatch.Core.Seal;
using SigWatch.Core.Verification;

namespace SigWatch.Core.Assessment;

/// <summary>What a <see cref="BundleAssessor"/> uses; everything but the file tree is optional.</summary>
public sealed record BundleAssessorOptions
{
    /// <summary>Every read of the disk goes through it (lstat, regular-file-only reads, exact names).</summary>
    public required IFileTree Tree { get; init; }

    /// <summary>Verifies signature and seal (with its digest cache, if any); null: the signature is not assessed.</summary>
    public BundleVerifier? Verifier { get; init; }

    /// <summary>For the periodic full re-hash (a verifier that ignores the digest cache); null uses <see cref="Verifier"/>.</summary>
    public BundleVerifier? FullRehashVerifier { get; init; }

    /// <summary>Reads quarantine and kMDItemWhereFroms; without it the quarantine story is not read.</summary>
    public IExtendedAttributeReader? ExtendedAttributes { get; init; }

    /// <summary>Looks provenance up in the owner's QuarantineEventsV2.</summary>
    public IQuarantineEventLookup? QuarantineEvents { get; init; }

    /// <summary>The platform's own verifier (Security framework on macOS), run beside the managed one.</summary>
    public Func<string, CodeSignatureAssessment>? NativeValidate { get; init; }

    /// <summary>Record the SHA-256 of the main executable's file (<see cref="BundleFacts.ExecutableSha256"/>, the event log's file.hash.sha256).</summary>
    public bool HashMainExecutable { get; init; }

    /// <summary>Where <see cref="HashMainExecutable"/> keeps and finds whole-file digests (the daemon's store); null: always hashed.</summary>
    public IFileHashCache? DigestCache { get; init; }
}

/// <summary>
/// The one assessment pipeline, used by the daemon's workers and by <c>sigwatch check</c>: a bundle path (plus, for a
/// re-assessment, the previous assessment and the paths that changed since) becomes one <see cref="BundleAssessment"/> —
/// Info.plist facts, the tree's inventory, the quarantine story, the signature and seal (verified, or re-verified by the
/// changed regions), the designated requirement and its evaluation, the diagnoses. Every read goes through the file tree,
/// so a FIFO, device or symlink is never opened; anything it cannot read becomes a problem or a finding, never an
/// exception. It can be cancelled (the daemon's deadline), which throws <see cref="OperationCanceledException"/>.
/// </summary>
public sealed partial class BundleAssessor(BundleAssessorOptions options)
{
    private readonly IFileTree _tree = options.Tree;

    public BundleAssessorOptions Options => options;

    /// <summary>Assesses <paramref name="bundlePath"/>; null when it is not a directory (any more): the bundle is gone.</summary>
    /// <param name="bundlePath">The bundle directory.</param>
    /// <param name="previous">The last assessment of the same bundle (kept <see cref="BundleAssessment.Detach">detached</see>), or null.</param>
    /// <param name="changes">Absolute paths a watcher reported since <paramref name="previous"/>; null when unknown (examine everything).</param>
    /// <param name="fullRehash">Verify the seal without the per-file digest cache (the periodic full re-hash).</param>
    /// <param name="sizeKnown">Told the bundle's total file size as soon as the tree has been listed (the daemon sizes its deadline by it).</param>
    /// <param name="cancellationToken">Stops the walk and the hashing at the next entry or file.</param>
    public BundleAssessment? Assess(string bundlePath, BundleAssessment? previous = null, IReadOnlyCollection<string>? changes = null,
        bool fullRehash = false, Action<long>? sizeKnown = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(bundlePath);
        var started = Stopwatch.GetTimestamp();
        bundlePath = Path.TrimEndingDirectorySeparator(bundlePath);
        var stat = _tree.StatOrUnknown(bundlePath);
        if (stat.Kind == FileTreeKind.Regular && DownloadKinds.KindOf(Path.GetFileName(bundlePath)) is { } downloadKind)
        {
            sizeKnown?.Invoke(stat.Size);
            return AssessDownload(bundlePath, downloadKind, stat, started, cancellationToken);
        }

        if (stat.Kind != FileTreeKind.Directory)
        {
            return null;
        }

        if (previous is not null && previous.Inventory.Root != bundlePath)
        {
            previous = null;
        }

        var layout = Layout(bundlePath);
        var info = InfoPlistFacts.Read(_tree, layout.InfoPlistPath);
        // A first walk of the tree runs beside the seal's verification, which walks and hashes the same tree: neither
        // needs the other, and on a cold check the walk alone is a tenth of the time. Both read each directory listing
        // and each entry's attribute names once (SharedListing). An update is a few directories.
        var listing = previous is null ? new SharedListing(_tree, options.ExtendedAttributes) : null;
        var walking = listing is not null
            ? Task.Run(() =>
            {
                var walked = BundleInventory.Walk(bundlePath, listing, listing.ExtendedAttributes, cancellationToken);
                sizeKnown?.Invoke(walked.Bytes);
                return walked;
            }, cancellationToken)
            : null;
        BundleVerificationReport? seal;
        try
        {
            seal = Verify(bundlePath, fullRehash, previous?.Seal, changes, listing, cancellationToken);
        }
        catch when (walking is not null)
        {
            // The walk stops with the same token or finishes on its own; its outcome no longer matters.
            walking.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            throw;
        }

        BundleInventory inventory;
        if (walking is not null)
        {
            inventory = walking.GetAwaiter().GetResult();
        }
        else
        {
            inventory = previous!.Inventory.Update(changes, _tree, options.ExtendedAttributes, cancellationToken);
            sizeKnown?.Invoke(inventory.Bytes);
        }

        QuarantineStory? story = null;
        if (options.ExtendedAttributes is { } xattrs)
        {
            story = QuarantineStory.Read(bundlePath, xattrs, options.QuarantineEvents) with
            {
                QuarantinedFileCount = inventory.Quarantined.Count,
                QuarantinedFiles = [.. inventory.Quarantined.Take(QuarantineStory.MaxListedFiles)],
            };
        }

        var executable = info.Executable is { Length: > 0 } name && IsSafeFileName(name) ? Path.Combine(layout.ExecutableDirectory, name) : null;
        var designated = seal is null ? null : DesignatedRequirementCheck.Evaluate(seal.Report, seal.InfoPlist);
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
            HasCodeResources = _tree.StatOrUnknown(Path.Combine(layout.CodeSignatureDirectory, "CodeResources")).Kind == FileTreeKind.Regular,
            HasMainExecutable = executable is not null && _tree.StatOrUnknown(executable).Kind == FileTreeKind.Regular,
            ExecutableSha256 = MainExecutableSha256(executable, cancellationToken),
            FileCount = inventory.Files,
            TotalSize = inventory.Bytes,
            WalkProblems = inventory.Problems,
            TreeFingerprint = inventory.Fingerprint,
            Quarantine = story,
            Signature = seal is null ? null : Summarize(seal, bundlePath, designated, previous?.Facts.Signature, fullRehash),
        };

        // Last, so that the time includes the native verification.
        var cost = new AssessmentCost(known, known ? changes!.Count : 0, statistics?.FullWalks ?? 0, statistics?.RegionWalks ?? 0,
            statistics?.FilesHashed ?? 0, statistics?.BytesHashed ?? 0, statistics?.CacheHits ?? 0,
            (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return new BundleAssessment(bundlePath, facts, cost, inventory, seal, designated);
    }

    private BundleVerificationReport? Verify(string bundlePath, bool fullRehash, BundleVerificationReport? previous,
        IReadOnlyCollection<string>? changes, SharedListing? listing, CancellationToken cancellationToken) => options.Verifier switch
    {
        null => null,
        _ when fullRehash => Through(options.FullRehashVerifier ?? options.Verifier, listing).Verify(bundlePath, cancellationToken),
        { } verifier when previous is not null => verifier.Reverify(previous, changes, cancellationToken),
        { } verifier => Through(verifier, listing).Verify(bundlePath, cancellationToken),
    };

    private static BundleVerifier Through(BundleVerifier verifier, SharedListing? listing) => listing is null ? verifier : verifier.Through(listing);

    // The native verifier (Security framework) hashes the whole bundle every time it runs, so it runs when it can say
    // something new: at first sight, on the periodic full re-hash, and whenever the managed result changed. Otherwise the
    // managed verifier found the bundle as it was, and the last native result still stands (carried forward).
    private SignatureSummary Summarize(BundleVerificationReport report, string bundlePath, DesignatedRequirementCheck? designated,
        SignatureSummary? before, bool full)
    {
        var ticket = _tree.StatOrUnknown(Path.Combine(bundlePath, "Contents", "CodeResources")).Kind == FileTreeKind.Regular;
        var summary = SignatureSummary.From(report, ticket, designated);
        if (options.NativeValidate is not { } native)
        {
            return summary;
        }

        if (!full && before is { NativeVerdict: not null } && before.Verdict == summary.Verdict && before.Findings.SequenceEqual(summary.Findings))
        {
            return summary with { NativeVerdict = before.NativeVerdict, VerifierDisagreements = before.VerifierDisagreements };
        }

        // Both verifiers; what they disagree on is recorded, never resolved here.
        var nativeAssessment = native(bundlePath);
        var managed = new ManagedCodeSignatureValidator().FromReport(report.Report);
        return summary with
        {
            NativeVerdict = AssessmentComparer.Name(nativeAssessment.Verdict),
            VerifierDisagreements = [.. AssessmentComparer.Compare(managed, nativeAssessment)
                .Select(d => $"{d.Field}: managed={d.Left ?? "(none)"} native={d.Right ?? "(none)"}")],
        };
    }

    // Where Info.plist, the executable and _CodeSignature are (SEC bundlediskrep.cpp); a layout that cannot be read is
    // treated as an iOS-style (shallow) one, whose files are then simply absent.
    private BundleStructure Layout(string bundlePath)
    {
        try
        {
            if (BundleStructure.Detect(_tree, bundlePath, out _) is { } structure)
            {
                return structure;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }

        return new BundleStructure(bundlePath, BundleShape.Shallow, bundlePath, string.Empty, Path.Combine(bundlePath, "Info.plist"),
            Path.Combine(bundlePath, BundleStructure.CodeSignatureDirectoryName), null);
    }

    // CFBundleExecutable is a file name inside Contents/MacOS; anything with a separator or ".."
    // would let a hostile Info.plist point us outside the bundle.
    private static bool IsSafeFileName(string name) =>
        name is not ("." or "..") && name.IndexOfAny(['/', '\0']) < 0;
}
