using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using SigWatch.Core.FileSystem;
using SigWatch.Core.Quarantine;

namespace SigWatch.Core.Bundles;

/// <summary>
/// Assessment v0: reads a bundle directory's Info.plist facts and walks its tree (never following a
/// symlink) for file count, size and a change fingerprint. The walk is bounded in depth and entries;
/// anything it cannot read becomes a walk problem, never an exception.
/// </summary>
public static class BundleInspector
{
    /// <summary>Info.plist files larger than this are not read (real ones are a few KiB).</summary>
    public const int MaxInfoPlistBytes = 8 * 1024 * 1024;

    public const int MaxDepth = 256;

    public const int MaxEntries = 2_000_000;

    /// <summary>Inspects <paramref name="bundlePath"/>; returns null when it is not a directory (any more).</summary>
    /// <param name="bundlePath">The .app directory.</param>
    /// <param name="context">Platform services; without extended-attribute access the quarantine story is not read.</param>
    /// <param name="full">Verify the seal without the per-file digest cache (the periodic full re-hash).</param>
    public static BundleFacts? Inspect(string bundlePath, BundleInspectionContext? context = null, bool full = false)
    {
        context ??= BundleInspectionContext.None;
        var bundle = new DirectoryInfo(bundlePath);
        if (!bundle.Exists || bundle.LinkTarget is not null)
        {
            return null;
        }

        var layout = BundleLayout.Detect(bundlePath);
        var problems = new List<string>();
        var info = InfoPlistFacts.ReadFile(layout.InfoPlistPath);

        var quarantined = context.ExtendedAttributes is null ? null : new List<string>();
        var walk = Walk(bundle, problems, context.ExtendedAttributes, quarantined);
        QuarantineStory? story = null;
        if (context.ExtendedAttributes is { } xattrs)
        {
            story = QuarantineStory.Read(bundlePath, xattrs, context.QuarantineEvents) with
            {
                QuarantinedFileCount = quarantined!.Count,
                QuarantinedFiles = [.. quarantined.Order(StringComparer.Ordinal).Take(QuarantineStory.MaxListedFiles)],
            };
        }

        var mainExecutable = info.Executable is { Length: > 0 } exe && IsSafeFileName(exe)
            ? Path.Combine(layout.ExecutableDirectory, exe)
            : null;
        var hasMainExecutable = mainExecutable is not null
            && new FileInfo(mainExecutable) is { Exists: true, LinkTarget: null };

        return new BundleFacts
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
            FileCount = walk.Files,
            TotalSize = walk.Bytes,
            WalkProblems = problems,
            TreeFingerprint = walk.Fingerprint,
            Quarantine = story,
            Signature = context.VerifySeal is { } verify ? Summarize(verify(bundlePath, full), bundlePath, context.NativeValidate) : null,
        };
    }

    private static SignatureSummary Summarize(Seal.BundleVerificationReport report, string bundlePath, Func<string, Verification.CodeSignatureAssessment>? native)
    {
        var summary = SignatureSummary.From(report, bundlePath);
        if (native is null)
        {
            return summary;
        }

        // Both verifiers on every assessment; what they disagree on is recorded, never resolved here.
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

    private static bool HasQuarantine(IExtendedAttributeReader xattrs, string path, string relative, List<string> problems)
    {
        try
        {
            return xattrs.Get(path, ExtendedAttributeNames.Quarantine) is not null;
        }
        catch (ExtendedAttributeException e)
        {
            problems.Add($"{relative}: {e.Message}");
            return false;
        }
    }

    private readonly record struct WalkResult(long Files, long Bytes, string Fingerprint);

    private static WalkResult Walk(DirectoryInfo bundle, List<string> problems, IExtendedAttributeReader? xattrs, List<string>? quarantined)
    {
        var listing = new List<string>();
        long files = 0, bytes = 0;
        var stack = new Stack<(DirectoryInfo Dir, int Depth)>();
        stack.Push((bundle, 0));
        var entries = 0;
        while (stack.Count > 0)
        {
            var (dir, depth) = stack.Pop();
            FileSystemInfo[] children;
            try
            {
                children = dir.GetFileSystemInfos();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                problems.Add($"{Path.GetRelativePath(bundle.FullName, dir.FullName)}: cannot list directory: {e.Message}");
                continue;
            }

            foreach (var child in children)
            {
                if (++entries > MaxEntries)
                {
                    problems.Add($"more than {MaxEntries} entries; the rest of the tree was not walked");
                    return Finish();
                }

                var relative = Path.GetRelativePath(bundle.FullName, child.FullName);
                try
                {
                    if (xattrs is not null && child.LinkTarget is null && HasQuarantine(xattrs, child.FullName, relative, problems))
                    {
                        quarantined!.Add(relative);
                    }

                    if (child.LinkTarget is { } target)
                    {
                        listing.Add($"{relative}\0l\0{target}");
                    }
                    else if (child is DirectoryInfo childDir)
                    {
                        listing.Add($"{relative}\0d");
                        if (depth + 1 >= MaxDepth)
                        {
                            problems.Add($"{relative}: deeper than {MaxDepth} levels; not walked");
                        }
                        else
                        {
                            stack.Push((childDir, depth + 1));
                        }
                    }
                    else if (child is FileInfo file)
                    {
                        files++;
                        bytes += file.Length;
                        listing.Add(string.Create(
                            CultureInfo.InvariantCulture,
                            $"{relative}\0f\0{file.Length}\0{file.LastWriteTimeUtc.Ticks}"));
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Vanished or changed between listing and stat: a copy or update is in progress.
                    problems.Add($"{relative}: {e.Message}");
                }
            }
        }

        return Finish();

        WalkResult Finish()
        {
            listing.Sort(StringComparer.Ordinal);
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            foreach (var line in listing)
            {
                hash.AppendData(Encoding.UTF8.GetBytes(line));
                hash.AppendData("\n"u8);
            }

            return new WalkResult(files, bytes, Convert.ToHexStringLower(hash.GetHashAndReset()));
        }
    }
}

/// <summary>The platform services an inspection may use; each is optional.</summary>
/// <param name="ExtendedAttributes">Reads quarantine and kMDItemWhereFroms; without it the quarantine story is not read.</param>
/// <param name="QuarantineEvents">Looks provenance up in QuarantineEventsV2.</param>
/// <param name="VerifySeal">Verifies the bundle's signature and seal (path, full re-hash?); without it the signature is not assessed.</param>
/// <param name="NativeValidate">The platform's own verifier (Security framework on macOS), run beside the managed one.</param>
public sealed record BundleInspectionContext(
    IExtendedAttributeReader? ExtendedAttributes,
    IQuarantineEventLookup? QuarantineEvents,
    Func<string, bool, Seal.BundleVerificationReport>? VerifySeal = null,
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
