using System.Diagnostics;
using System.Globalization;
using SigWatch.Core.Bundles;
using SigWatch.Core.DiskImages;
using SigWatch.Core.FileSystem;
using SigWatch.Core.Packages;
using SigWatch.Core.Quarantine;
using SigWatch.Core.Verification;

namespace SigWatch.Core.Assessment;

// Downloads (a .dmg, .pkg or .zip directly in a root) are assessed into the same facts as bundles, so the store, the
// events and the CLI carry them unchanged: the kind, the file's size and identity, its quarantine story, and the verdict
// of its own signature (a disk image's embedded one, a package's xar signature; an archive has none).
public sealed partial class BundleAssessor
{
    private BundleAssessment AssessDownload(string path, string kind, FileTreeEntry stat, long started, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        QuarantineStory? story = options.ExtendedAttributes is { } xattrs ? QuarantineStory.Read(path, xattrs, options.QuarantineEvents) : null;
        SignatureSummary? signature = null;
        string? identifier = null;
        string? version = null;
        var problems = new List<string>();
        try
        {
            switch (kind)
            {
                case DownloadKinds.DiskImage:
                    var image = new DiskImageVerifier().Verify(path);
                    signature = SignatureSummary.From(image.Report, ticketStapled: image.Ticket is not null);
                    identifier = image.Report.Architectures.FirstOrDefault()?.Best?.Identifier;
                    break;
                case DownloadKinds.InstallerPackage:
                    var package = new PackageVerifier().Verify(path);
                    signature = SignatureSummary.FromPackage(package);
                    identifier = package.Components.FirstOrDefault()?.Identifier;
                    version = package.Components.FirstOrDefault()?.Version;
                    break;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problems.Add($"{FileNames.Display(path)}: cannot read: {e.Message}");
        }

        var facts = new BundleFacts
        {
            Kind = kind,
            BundleIdentifier = identifier,
            ShortVersion = version,
            FileCount = 1,
            TotalSize = stat.Size,
            WalkProblems = problems,
            // Size, mtime, ctime and inode: a rewrite or replacement of the file changes it, as a tree's fingerprint does.
            TreeFingerprint = string.Create(CultureInfo.InvariantCulture, $"file:{stat.Size}:{stat.ModifiedNanoseconds}:{stat.ChangedNanoseconds}:{stat.Inode}"),
            Quarantine = story,
            Signature = signature,
        };
        var cost = new AssessmentCost(false, 0, 0, 0, signature is null ? 0 : 1, signature is null ? 0 : stat.Size, 0,
            (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return new BundleAssessment(path, facts, cost, BundleInventory.OfFile(path), null, null);
    }
}
