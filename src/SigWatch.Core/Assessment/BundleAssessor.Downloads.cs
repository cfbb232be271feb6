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
        string? apps = null;
        var problems = new List<string>();
        try
        {
            switch (kind)
            {
                case DownloadKinds.DiskImage:
                    var image = new DiskImageVerifier().Verify(path, cancellationToken);
                    // As `check` does: the explicit designated requirement, else the one Apple synthesizes (a cdhash for ad-hoc images).
                    signature = SignatureSummary.From(image.Report, ticketStapled: image.Ticket is not null,
                        image.Report.Architectures.Count > 0 ? DesignatedRequirementCheck.Evaluate(image.Report, infoPlist: null) : null);
                    identifier = image.Report.Architectures.FirstOrDefault()?.Best?.Identifier;
                    break;
                case DownloadKinds.InstallerPackage:
                    var package = new PackageVerifier().Verify(path, cancellationToken);
                    signature = SignatureSummary.FromPackage(package);
                    identifier = package.Components.FirstOrDefault()?.Identifier;
                    version = package.Components.FirstOrDefault()?.Version;
                    break;
                case DownloadKinds.Archive:
                    using (var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read))
                    {
                        var listing = Archives.ZipListing.Read(Binary.RandomAccessReader.Of(file), RandomAccess.GetLength(file));
                        apps = listing.Apps.Count == 0 ? null : string.Join(", ", listing.Apps.Take(3).Select(a => a.Path)) + (listing.Apps.Count > 3 ? ", …" : string.Empty);
                        if (listing.AppleDouble.Count > 0)
                        {
                            problems.Add($"{listing.AppleDouble.Count} AppleDouble entries (__MACOSX/, ._*): unpacked by unzip or 7-Zip they land inside the app and break its seal; unpack with Finder or ditto");
                        }
                    }

                    break;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problems.Add($"{FileNames.Display(path)}: cannot read: {e.Message}");
        }
        catch (Binary.MalformedDataException e)
        {
            problems.Add($"{FileNames.Display(path)}: not a usable archive: {e.Message}");
        }

        var facts = new BundleFacts
        {
            Kind = kind,
            BundleIdentifier = identifier,
            // For an archive: the apps inside (names as in the archive), so the event and list say what it holds.
            BundleName = apps,
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
