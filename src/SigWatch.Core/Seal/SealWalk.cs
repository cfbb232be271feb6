using System.Security.Cryptography;
using SigWatch.Core.CodeSigning;
using SigWatch.Core.FileSystem;
using SigWatch.Core.Verification;

namespace SigWatch.Core.Seal;

/// <summary>Nested code found by the walk, verified after it.</summary>
internal sealed record NestedJob(string Path, string FullPath, bool IsDirectory, SealedResource Sealed);

/// <summary>
/// What a walk saw: the findings it made, each added, modified and missing path with its on-disk entry (for the
/// diagnoses), and which directories it listed or stopped at, so that <see cref="BundleVerifier.Reverify"/> can redo the
/// walk for a changed region only. Every item carries its resource-root-relative path, which is what region merging
/// keys on.
/// </summary>
internal sealed class SealWalkResult
{
    public List<Finding> Findings { get; } = [];

    public List<NestedJob> NestedJobs { get; } = [];

    public List<(string Path, FileTreeEntry Entry)> Added { get; } = [];

    public List<(string Path, FileTreeEntry Entry)> Modified { get; } = [];

    public List<string> Missing { get; } = [];

    /// <summary>Every path the walk visited that is AppleDouble debris (<c>._*</c>, <c>__MACOSX</c>), sealed or not.</summary>
    public List<string> AppleDouble { get; } = [];

    /// <summary>Regular files and directories visited that carry com.apple.quarantine (the quarantine diagnosis).</summary>
    public List<string> Quarantined { get; } = [];

    /// <summary>
    /// Sealed symlinks whose destination the strict check examined: their verdict depends on paths elsewhere (the
    /// target, the links on its way), so a re-verification checks them all again.
    /// </summary>
    public List<(string Path, string FullPath, string Target)> CheckedSymlinks { get; } = [];

    /// <summary>Directories whose entries the walk listed ("" is the resource root).</summary>
    public HashSet<string> Listed { get; } = new(StringComparer.Ordinal);

    /// <summary>Directories the rules exclude: nothing below them is part of the seal.</summary>
    public HashSet<string> Excluded { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Entries examined (bounded by <see cref="BundleVerifierOptions.MaxEntries"/>). After re-verifications an upper bound:
    /// a region's entries are added again without the old count being taken off; a full walk starts it afresh.
    /// </summary>
    public int Entries { get; set; }

    /// <summary>The walk stopped early (entry limit): only a full walk can say what the rest holds.</summary>
    public bool Truncated { get; set; }

    /// <summary>True when <paramref name="path"/> is <paramref name="region"/> itself or lies below it.</summary>
    public static bool InRegion(string path, string region) =>
        region.Length == 0 || path == region || (path.Length > region.Length && path[region.Length] == '/' && path.StartsWith(region, StringComparison.Ordinal));

    /// <summary>Drops everything recorded at or below any of <paramref name="regions"/>.</summary>
    public void RemoveRegions(RegionMatcher regions)
    {
        bool Inside(string? path) => path is not null && regions.Contains(path);
        Findings.RemoveAll(f => Inside(f.Path));
        NestedJobs.RemoveAll(j => Inside(j.Path));
        Added.RemoveAll(a => Inside(a.Path));
        Modified.RemoveAll(m => Inside(m.Path));
        Missing.RemoveAll(Inside);
        AppleDouble.RemoveAll(Inside);
        Quarantined.RemoveAll(Inside);
        CheckedSymlinks.RemoveAll(c => Inside(c.Path));
        Listed.RemoveWhere(Inside);
        Excluded.RemoveWhere(Inside);
    }

    /// <summary>Adds what a region walk found (after <see cref="RemoveRegions"/> dropped the old state of the same regions).</summary>
    public void Merge(SealWalkResult region)
    {
        Findings.AddRange(region.Findings);
        NestedJobs.AddRange(region.NestedJobs);
        Added.AddRange(region.Added);
        Modified.AddRange(region.Modified);
        Missing.AddRange(region.Missing);
        AppleDouble.AddRange(region.AppleDouble);
        Quarantined.AddRange(region.Quarantined);
        CheckedSymlinks.AddRange(region.CheckedSymlinks);
        Listed.UnionWith(region.Listed);
        Excluded.UnionWith(region.Excluded);
        Entries += region.Entries;
        Truncated |= region.Truncated;
    }

    public SealWalkResult Clone()
    {
        var copy = new SealWalkResult();
        copy.Merge(this);
        return copy;
    }
}

/// <summary>
/// Tells whether a resource-root-relative path lies in one of a re-verification's regions. A few regions are compared
/// directly; many (a large batch of changes) are looked up by the path's ancestors, so the cost stays per path, not per
/// path and region.
/// </summary>
internal sealed class RegionMatcher
{
    private const int CompareDirectlyUpTo = 8;
    private readonly IReadOnlyList<string> _regions;
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    public RegionMatcher(IReadOnlyList<string> regions)
    {
        _regions = regions;
        _lookup = new HashSet<string>(regions, StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public bool Contains(string path)
    {
        if (_regions.Count <= CompareDirectlyUpTo)
        {
            foreach (var region in _regions)
            {
                if (SealWalkResult.InRegion(path, region))
                {
                    return true;
                }
            }

            return false;
        }

        var span = path.AsSpan();
        while (true)
        {
            if (_lookup.Contains(span))
            {
                return true;
            }

            var slash = span.LastIndexOf('/');
            if (slash < 0)
            {
                return false;
            }

            span = span[..slash];
        }
    }
}

/// <summary>Counts progress across nested bundles and forwards it.</summary>
internal sealed class ProgressCounter(IProgress<SealProgress>? sink)
{
    private long _filesTotal;
    private long _bytesTotal;
    private long _filesDone;
    private long _bytesDone;

    public void AddWork(long files, long bytes)
    {
        Interlocked.Add(ref _filesTotal, files);
        Interlocked.Add(ref _bytesTotal, bytes);
    }

    public void Done(long bytes)
    {
        var files = Interlocked.Increment(ref _filesDone);
        var done = Interlocked.Add(ref _bytesDone, bytes);
        sink?.Report(new SealProgress(files, Interlocked.Read(ref _filesTotal), done, Interlocked.Read(ref _bytesTotal)));
    }
}

/// <summary>
/// One pass over a resource root (SEC resources.cpp <c>ResourceBuilder::scan</c> with the StaticCode.cpp
/// <c>validateResources</c> callback): physical traversal, never following a symlink; each entry's path is matched
/// against the rules as the raw name from the directory listing and looked up ordinally in the seal. Regular files are
/// hashed afterwards in parallel; FIFOs, sockets and devices are never opened.
/// </summary>
internal sealed class SealWalk(BundleVerifier verifier, SealContext context, SealStatistics statistics, ProgressCounter progress)
{
    private readonly BundleStructure _structure = context.Structure;
    private readonly CodeResources _seal = context.Seal;
    private readonly ResourceRuleSet _rules = context.Rules;
    private readonly IFileTree _tree = verifier.Tree;
    private readonly BundleVerifierOptions _options = verifier.Options;
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private readonly List<HashJob> _hashJobs = [];
    private readonly SealWalkResult _result = new();
    private readonly Stack<(string FullPath, string Relative, int Depth)> _stack = new();

    private sealed record HashJob(string Path, string FullPath, FileTreeEntry Entry, SealedResource Sealed)
    {
        public byte[]? Digest { get; set; }

        public string? Error { get; set; }
    }

    private List<Finding> Findings => _result.Findings;

    /// <summary>Walks the whole resource root.</summary>
    public SealWalkResult Run()
    {
        _stack.Push((_structure.ResourceRoot, string.Empty, 0));
        Drain();
        HashAll();
        ReportMissing(null);
        return _result;
    }

    /// <summary>
    /// Walks only <paramref name="regions"/> (resource-root-relative paths whose parents the previous walk listed): each
    /// is examined as the full walk would have met it in its parent's listing, directories with everything below them;
    /// a region that no longer exists contributes only its missing sealed files.
    /// </summary>
    public SealWalkResult RunRegions(IReadOnlyList<string> regions, RegionMatcher matcher)
    {
        foreach (var region in regions)
        {
            var fullPath = _structure.FullPath(region);
            var entry = verifier.SafeStat(fullPath);
            if (entry.Kind != FileTreeKind.Missing && Count(region))
            {
                Visit(entry with { Name = region[(region.LastIndexOf('/') + 1)..] }, region, fullPath, region.Count(c => c == '/'));
                Drain();
            }
        }

        HashAll();
        ReportMissing(matcher);
        return _result;
    }

    private void ReportMissing(RegionMatcher? regions)
    {
        foreach (var (path, sealedResource) in _seal.Files)
        {
            if (!_seen.Contains(path) && !sealedResource.Optional && (regions is null || regions.Contains(path)))
            {
                Findings.Add(new Finding(FindingKind.FileMissing, FindingSeverity.Error, "file missing", path));
                _result.Missing.Add(path);
            }
        }
    }

    private bool Count(string relative)
    {
        if (++_result.Entries <= _options.MaxEntries)
        {
            return true;
        }

        var at = relative.Contains('/', StringComparison.Ordinal) ? relative[..relative.LastIndexOf('/')] : ".";
        Findings.Add(new Finding(FindingKind.Unreadable, FindingSeverity.Error,
            $"more than {_options.MaxEntries} entries; the rest of the bundle was not examined", at));
        _result.Truncated = true;
        _stack.Clear();
        return false;
    }

    private void Drain()
    {
        while (_stack.Count > 0 && !_result.Truncated)
        {
            var (directory, relativeDirectory, depth) = _stack.Pop();
            IReadOnlyList<FileTreeEntry> entries;
            try
            {
                entries = _tree.List(directory);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Findings.Add(new Finding(FindingKind.Unreadable, FindingSeverity.Error, $"cannot list directory: {e.Message}",
                    relativeDirectory.Length == 0 ? "." : relativeDirectory));
                continue;
            }

            _result.Listed.Add(relativeDirectory);
            var sorted = entries.ToArray();
            Array.Sort(sorted, (a, b) => string.CompareOrdinal(b.Name, a.Name)); // reversed: the stack pops in ordinal order
            foreach (var entry in sorted)
            {
                var relative = relativeDirectory.Length == 0 ? entry.Name : relativeDirectory + "/" + entry.Name;
                if (!Count(relative))
                {
                    return;
                }

                Visit(entry, relative, Path.Combine(directory, entry.Name), depth);
            }
        }
    }

    private void Visit(FileTreeEntry entry, string relative, string fullPath, int depth)
    {
        if (entry.Name.StartsWith("._", StringComparison.Ordinal) || entry.Name == "__MACOSX")
        {
            _result.AppleDouble.Add(relative);
        }

        // A name that is not valid UTF-8 (kept exactly, FileNames) cannot be a key of CodeResources, whose keys are text:
        // whatever it is, the seal does not list it. Nothing below it is walked.
        if (FileNames.HasRawBytes(entry.Name))
        {
            Findings.Add(new Finding(FindingKind.FileAdded, FindingSeverity.Error,
                "file added: its name is not valid UTF-8, so no seal can list it", relative));
            return;
        }

        var rule = _rules.FindRule(relative);
        switch (entry.Kind)
        {
            case FileTreeKind.Directory:
                if (rule is { Exclusion: true })
                {
                    _result.Excluded.Add(relative);
                    return;
                }

                NoteQuarantine(relative, AttributeNames(fullPath));
                if (rule is { Nested: true, Omit: false } && entry.Name.Contains('.', StringComparison.Ordinal))
                {
                    Candidate(entry, relative, fullPath);
                }
                else if (depth + 1 > _options.MaxDirectoryDepth)
                {
                    Findings.Add(new Finding(FindingKind.Unreadable, FindingSeverity.Error,
                        $"directories nested deeper than {_options.MaxDirectoryDepth} levels are not examined", relative));
                }
                else
                {
                    _stack.Push((fullPath, relative, depth + 1));
                }

                return;
            case FileTreeKind.Regular:
                var attributes = AttributeNames(fullPath);
                NoteQuarantine(relative, attributes);
                if (rule is { IsOutsideSeal: false })
                {
                    CheckSideband(relative, attributes);
                    Candidate(entry, relative, fullPath);
                }

                return;
            case FileTreeKind.Symlink:
                // SEC resources.cpp scan: a .DS_Store symlink is rejected outright (errSecCSDSStoreSymlink).
                if (entry.Name.Equals(".DS_Store", StringComparison.OrdinalIgnoreCase))
                {
                    _seen.Add(relative);
                    Findings.Add(new Finding(FindingKind.UnsupportedFileType, FindingSeverity.Error,
                        ".DS_Store is a symlink, which code signing rejects (errSecCSDSStoreSymlink)", relative));
                    return;
                }

                // Version 1 seals ignore symlinks altogether (reference §8.5).
                if (_seal.Version == 2 && rule is { IsOutsideSeal: false })
                {
                    Candidate(entry, relative, fullPath);
                }

                return;
            case FileTreeKind.Missing:
                _seen.Add(relative);
                Findings.Add(new Finding(FindingKind.Unreadable, FindingSeverity.Error, "vanished while the bundle was being examined", relative));
                return;
            default:
                if (rule is { IsOutsideSeal: false })
                {
                    _seen.Add(relative);
                    Findings.Add(new Finding(FindingKind.UnsupportedFileType, _options.Strict ? FindingSeverity.Error : FindingSeverity.Warning,
                        $"a {entry.Kind} inside the bundle (never opened); resources must be files, directories or symlinks", relative));
                }

                return;
        }
    }

    // One listxattr per entry (most have no attributes at all) answers both the quarantine diagnosis and the sideband
    // check, instead of a getxattr per attribute name.
    private IReadOnlyList<string> AttributeNames(string fullPath)
    {
        try
        {
            return _options.ExtendedAttributes?.List(fullPath) ?? [];
        }
        catch (ExtendedAttributeException)
        {
            // Unreadable attributes are not evidence of anything; reading the file itself reports what is wrong with it.
            return [];
        }
    }

    private void NoteQuarantine(string relative, IReadOnlyList<string> attributes)
    {
        if (attributes.Contains(ExtendedAttributeNames.Quarantine, StringComparer.Ordinal))
        {
            _result.Quarantined.Add(relative);
        }
    }

    // SEC StaticCode.cpp validateResource: with kSecCSStrictValidate and kSecCSRestrictSidebandData (codesign --strict)
    // and a version 2 seal, a resource with a resource fork or Finder info fails (errSecCSInvalidAssociatedFileData,
    // reference §8.1). Checked for regular files; symlinks are never opened.
    private void CheckSideband(string relative, IReadOnlyList<string> attributes)
    {
        if (!_options.Strict || _seal.Version < 2)
        {
            return;
        }

        var name = attributes.FirstOrDefault(a => a is ExtendedAttributeNames.ResourceFork or ExtendedAttributeNames.FinderInfo);
        if (name is not null)
        {
            Findings.Add(new Finding(FindingKind.ResourceSidebandData, FindingSeverity.Error,
                $"the file carries {name}, which code signing does not allow on a resource (errSecCSInvalidAssociatedFileData)", relative));
        }
    }

    private void Candidate(FileTreeEntry entry, string relative, string fullPath)
    {
        if (!_seal.Files.TryGetValue(relative, out var sealedResource))
        {
            Findings.Add(new Finding(FindingKind.FileAdded, FindingSeverity.Error, "file added", relative));
            _result.Added.Add((relative, entry));
            return;
        }

        _seen.Add(relative);
        switch (sealedResource.Kind)
        {
            case SealedResourceKind.NestedCode when entry.Kind is FileTreeKind.Directory or FileTreeKind.Regular:
                _result.NestedJobs.Add(new NestedJob(relative, fullPath, entry.Kind == FileTreeKind.Directory, sealedResource));
                return;
            case SealedResourceKind.Symlink when entry.Kind == FileTreeKind.Symlink:
                var target = SafeReadLink(fullPath);
                if (!string.Equals(target, sealedResource.SymlinkTarget, StringComparison.Ordinal))
                {
                    Findings.Add(new Finding(FindingKind.SymlinkModified, FindingSeverity.Error,
                        $"symlink modified: points to '{target}', sealed as '{sealedResource.SymlinkTarget}'", relative));
                    _result.Modified.Add((relative, entry));
                }
                else if (_options.Strict)
                {
                    SymlinkRestriction.Check(_tree, context, relative, fullPath, target!, Findings);
                    _result.CheckedSymlinks.Add((relative, fullPath, target!));
                }

                return;
            case SealedResourceKind.File when entry.Kind == FileTreeKind.Regular:
                _hashJobs.Add(new HashJob(relative, fullPath, entry, sealedResource));
                return;
            default:
                Findings.Add(new Finding(FindingKind.FileModified, FindingSeverity.Error,
                    $"file modified: sealed as {Describe(sealedResource.Kind)}, now {Describe(entry.Kind)}", relative));
                _result.Modified.Add((relative, entry));
                return;
        }
    }

    private static string Describe(SealedResourceKind kind) => kind switch
    {
        SealedResourceKind.NestedCode => "nested code",
        SealedResourceKind.Symlink => "a symlink",
        _ => "a file",
    };

    private static string Describe(FileTreeKind kind) => kind switch
    {
        FileTreeKind.Directory => "a directory",
        FileTreeKind.Symlink => "a symlink",
        _ => "a file",
    };

    private string? SafeReadLink(string fullPath)
    {
        try
        {
            return _tree.ReadLink(fullPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private void HashAll()
    {
        progress.AddWork(_hashJobs.Count, _hashJobs.Sum(j => j.Entry.Size));
        Parallel.ForEach(_hashJobs, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, _options.MaxDegreeOfParallelism) }, Hash);
        foreach (var job in _hashJobs)
        {
            if (job.Error is not null)
            {
                Findings.Add(new Finding(FindingKind.Unreadable, FindingSeverity.Error, $"cannot read: {job.Error}", job.Path));
                continue;
            }

            var expected = job.Sealed.Sha256 ?? job.Sealed.Sha1!;
            if (!job.Digest.AsSpan().SequenceEqual(expected))
            {
                Findings.Add(new Finding(FindingKind.FileModified, FindingSeverity.Error, "file modified", job.Path));
                _result.Modified.Add((job.Path, job.Entry));
            }
        }
    }

    // One digest per file: SHA-256 against hash2 when the seal has it, else SHA-1 against hash. SEC computes every
    // hash type of the CodeDirectories; checking the strongest sealed digest alone detects the same changes.
    private void Hash(HashJob job)
    {
        var type = job.Sealed.Sha256 is not null ? CodeHashType.Sha256 : CodeHashType.Sha1;
        var key = FileHashKey.For(job.FullPath, job.Entry, type);
        if (_options.Cache is { } cache && !_options.IgnoreCache && cache.TryGet(key, out var cached))
        {
            statistics.AddCacheHit();
            job.Digest = cached;
            progress.Done(job.Entry.Size);
            return;
        }

        try
        {
            job.Digest = HashFile(job.FullPath, type);
            statistics.AddHashed(job.Entry.Size);
            _options.Cache?.Set(key, job.Digest);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            job.Error = e.Message;
        }

        progress.Done(job.Entry.Size);
    }

    private byte[] HashFile(string fullPath, CodeHashType type)
    {
        using var stream = _tree.OpenRead(fullPath);
        using var hash = IncrementalHash.CreateHash(CodeHashing.AlgorithmName(type));
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            int read;
            while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
            {
                hash.AppendData(buffer, 0, read);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }

        return hash.GetHashAndReset();
    }
}
